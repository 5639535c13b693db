//! Checks answers against the bridge's own OpenAPI document.

use anyhow::{anyhow, bail, Context, Result};
use reqwest::Method;
use serde_json::{json, Value};

use super::Harness;

pub struct Contract {
    doc: Value,
}

impl Contract {
    pub async fn fetch(h: &Harness) -> Result<Contract> {
        let response = h.authed(Method::GET, "/v1/openapi.json").send().await?;
        anyhow::ensure!(
            response.status() == 200,
            "openapi.json: {}",
            response.status()
        );
        let doc: Value = response.json().await?;
        anyhow::ensure!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "not OpenAPI 3.1: {}",
            doc["openapi"]
        );
        Ok(Contract { doc })
    }

    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// The document's path template for a concrete path (`/v1/calls/c-1` → `/v1/calls/{id}`).
    pub fn template(&self, path: &str) -> Result<String> {
        let path = path.split('?').next().unwrap_or(path);
        let want: Vec<&str> = path.split('/').collect();
        let paths = self.doc["paths"]
            .as_object()
            .context("the document has no paths")?;
        paths
            .keys()
            .find(|template| {
                let have: Vec<&str> = template.split('/').collect();
                have.len() == want.len()
                    && have
                        .iter()
                        .zip(&want)
                        .all(|(h, w)| h == w || (h.starts_with('{') && h.ends_with('}')))
            })
            .cloned()
            .ok_or_else(|| anyhow!("`{path}` is missing from the OpenAPI document"))
    }

    /// Fails unless `body` fits the schema the document gives for this answer.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) -> Result<()> {
        let template = self.template(path)?;
        let operation = &self.doc["paths"][&template][method.to_ascii_lowercase()];
        if operation.is_null() {
            bail!("{method} {template} is missing from the OpenAPI document");
        }
        let response = &operation["responses"][status.to_string()];
        if response.is_null() {
            bail!("{method} {template} does not document a {status} answer");
        }
        let schema = &response["content"]["application/json"]["schema"];
        if schema.is_null() {
            if body.is_null() {
                return Ok(());
            }
            bail!("{method} {template} {status} documents no JSON body, got {body}");
        }
        self.check_schema(schema, body)
            .with_context(|| format!("{method} {template} {status}"))
    }

    /// Fails unless `body` fits `#/components/schemas/<name>`.
    pub fn check_named(&self, name: &str, body: &Value) -> Result<()> {
        self.check_schema(
            &json!({"$ref": format!("#/components/schemas/{name}")}),
            body,
        )
        .with_context(|| format!("schema {name}"))
    }

    fn check_schema(&self, schema: &Value, body: &Value) -> Result<()> {
        // The schema, with the document's components beside it so `#/components/...` resolves.
        let mut root = schema.clone();
        let root_object = root.as_object_mut().context("schema is not an object")?;
        root_object.insert("components".into(), self.doc["components"].clone());
        let validator = jsonschema::draft202012::new(&root)
            .map_err(|e| anyhow!("the document's schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            bail!("{body} does not fit: {}", errors.join("; "))
        }
    }
}
