//! A system tray host (`org.kde.StatusNotifierWatcher`) on a test's private session bus: the
//! app's tray icon (libayatana-appindicator under Tauri) registers with it as a
//! StatusNotifierItem, and the test reads the icon and drives its menu over `com.canonical.dbusmenu`,
//! as a desktop's panel does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use zbus::blocking::connection::{Builder, Connection};
use zbus::blocking::Proxy;
use zbus::message::Header;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Structure, Value};

const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";
const ITEM: &str = "org.kde.StatusNotifierItem";
const MENU: &str = "com.canonical.dbusmenu";
const POLL: Duration = Duration::from_millis(100);

/// The pixels of a PNG as 8-bit RGBA: `(width, height, rgba)`.
pub fn png_rgba(path: &std::path::Path) -> Result<(u32, u32, Vec<u8>)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().context("PNG too large")?];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        other => bail!("unexpected PNG colour type {other:?}"),
    };
    Ok((info.width, info.height, rgba))
}

/// A registered item: the bus name that registered and its object path.
#[derive(Debug, Clone)]
struct Item {
    bus_name: String,
    path: String,
}

struct Watcher(Arc<Mutex<Vec<Item>>>);

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: &str, #[zbus(header)] header: Header<'_>) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // Items register with either their object path (the sender is the name) or a name.
        let item = if service.starts_with('/') {
            Item {
                bus_name: sender,
                path: service.to_owned(),
            }
        } else {
            Item {
                bus_name: service.to_owned(),
                path: "/StatusNotifierItem".to_owned(),
            }
        };
        if let Ok(mut items) = self.0.lock() {
            items.push(item);
        }
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|items| {
                items
                    .iter()
                    .map(|i| format!("{}{}", i.bus_name, i.path))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// One menu entry: its id, label (without mnemonic underscores) and children.
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub id: i32,
    pub label: String,
    pub toggle_state: Option<i32>,
    pub enabled: bool,
    pub children: Vec<MenuEntry>,
}

impl MenuEntry {
    /// The first entry, depth first, whose label starts with `label`.
    pub fn find(&self, label: &str) -> Option<&MenuEntry> {
        if self.label.starts_with(label) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(label))
    }
}

/// The tray host, owning the watcher's name on the bus until dropped.
pub struct Tray {
    connection: Connection,
    items: Arc<Mutex<Vec<Item>>>,
}

impl Tray {
    pub fn start(bus_address: &str) -> Result<Tray> {
        let items = Arc::new(Mutex::new(Vec::new()));
        let connection = Builder::address(bus_address)?
            .name(WATCHER)?
            .serve_at(WATCHER_PATH, Watcher(items.clone()))?
            .build()
            .context("serving org.kde.StatusNotifierWatcher on the test bus")?;
        Ok(Tray { connection, items })
    }

    /// Waits for the first item to register.
    fn item(&self, within: Duration) -> Result<Item> {
        let mut item = None;
        crate::wait::until(within, POLL, || {
            item = self.items.lock().ok().and_then(|i| i.first().cloned());
            Ok(item.is_some())
        })
        .context("no tray item registered")?;
        item.context("no tray item registered")
    }

    fn item_proxy(&self, within: Duration) -> Result<Proxy<'static>> {
        let item = self.item(within)?;
        Ok(Proxy::new_owned(
            self.connection.clone(),
            item.bus_name,
            item.path,
            ITEM.to_owned(),
        )?)
    }

    /// A string property of the item (`IconName`, `Status`, `Title`, ...), read fresh.
    pub fn property(&self, name: &str, within: Duration) -> Result<String> {
        let proxy = self.item_proxy(within)?;
        let value: OwnedValue = proxy
            .get_property(name)
            .with_context(|| format!("reading the tray item's {name}"))?;
        Ok(String::try_from(value).unwrap_or_default())
    }

    fn menu_proxy(&self, within: Duration) -> Result<Proxy<'static>> {
        let item = self.item(within)?;
        let proxy = self.item_proxy(within)?;
        let menu: OwnedObjectPath = proxy.get_property("Menu").context("the item has no Menu")?;
        Ok(Proxy::new_owned(
            self.connection.clone(),
            item.bus_name,
            menu.to_string(),
            MENU.to_owned(),
        )?)
    }

    /// The pixels of the icon the item shows now (its `IconName` is a PNG file's path).
    pub fn icon(&self, within: Duration) -> Result<(u32, u32, Vec<u8>)> {
        let name = self.property("IconName", within)?;
        png_rgba(std::path::Path::new(&name))
    }

    /// The whole menu as the panel would show it.
    pub fn menu(&self, within: Duration) -> Result<MenuEntry> {
        let proxy = self.menu_proxy(within)?;
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (id, props, children)): (u32, Layout) = proxy
            .call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))
            .context("GetLayout")?;
        let children = children.iter().map(child).collect::<Result<Vec<_>>>()?;
        Ok(menu_entry(id, &props, children))
    }

    /// Clicks the menu entry `id`, as a person does in the panel.
    pub fn click(&self, id: i32, within: Duration) -> Result<()> {
        let proxy = self.menu_proxy(within)?;
        let () = proxy
            .call("Event", &(id, "clicked", Value::from(0i32), 0u32))
            .context("dbusmenu Event clicked")?;
        Ok(())
    }
}

/// A child of a layout: a variant holding `(ia{sv}av)`.
fn child(value: &OwnedValue) -> Result<MenuEntry> {
    let structure = match &**value {
        Value::Structure(s) => s.try_clone()?,
        Value::Value(inner) => match inner.as_ref() {
            Value::Structure(s) => s.try_clone()?,
            other => bail!("menu child is {other:?}"),
        },
        other => bail!("menu child is {other:?}"),
    };
    entry(structure)
}

fn entry(s: Structure<'_>) -> Result<MenuEntry> {
    let mut fields = s.into_fields().into_iter();
    let id = match fields.next() {
        Some(Value::I32(id)) => id,
        other => bail!("menu entry without an id: {other:?}"),
    };
    let props: HashMap<String, OwnedValue> = match fields.next() {
        Some(v) => HashMap::try_from(v).context("menu entry properties")?,
        None => HashMap::new(),
    };
    let children = match fields.next() {
        Some(Value::Array(a)) => a
            .iter()
            .map(|c| child(&OwnedValue::try_from(c.try_clone()?)?))
            .collect::<Result<Vec<_>>>()?,
        _ => Vec::new(),
    };
    Ok(menu_entry(id, &props, children))
}

fn menu_entry(id: i32, props: &HashMap<String, OwnedValue>, children: Vec<MenuEntry>) -> MenuEntry {
    let label = props
        .get("label")
        .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
        .unwrap_or_default()
        .replace('_', "");
    let toggle_state = props
        .get("toggle-state")
        .and_then(|v| i32::try_from(v.try_clone().ok()?).ok());
    let enabled = props
        .get("enabled")
        .and_then(|v| bool::try_from(v.try_clone().ok()?).ok())
        .unwrap_or(true);
    MenuEntry {
        id,
        label,
        toggle_state,
        enabled,
        children,
    }
}
