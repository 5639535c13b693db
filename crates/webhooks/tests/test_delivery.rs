//! `test_delivery` against a real HTTP receiver on 127.0.0.1.

mod common;

use anyhow::Result;
use common::{closed_port, endpoint, Receiver, Reply};
use dialtone_webhooks::{test_delivery, WebhookError};

const SECRET: &str = "whsec_test_secret";

#[tokio::test]
async fn sends_one_signed_test_event_and_reports_the_status() -> Result<()> {
    let mut receiver = Receiver::start(SECRET, vec![Reply::status(204)]).await?;
    let ep = endpoint("crm", &receiver.url, SECRET, vec![])?;
    let report = test_delivery(&ep).await?;
    assert_eq!(report.status, 204);
    assert!(report.elapsed < common::WAIT);
    let got = receiver.next().await?;
    assert!(got.signature_ok);
    assert_eq!(got.header("x-dialtone-event"), "webhook.test");
    assert_eq!(got.header("x-dialtone-delivery"), "test");
    let body = got.json();
    assert_eq!(body["event"], "webhook.test");
    assert_eq!(body["data"]["endpoint"], "crm");
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    Ok(())
}

#[tokio::test]
async fn does_not_retry_a_failure() -> Result<()> {
    let mut receiver =
        Receiver::start(SECRET, vec![Reply::status(503), Reply::status(200)]).await?;
    let ep = endpoint("crm", &receiver.url, SECRET, vec![])?;
    assert_eq!(test_delivery(&ep).await?.status, 503);
    receiver.next().await?;
    assert!(receiver.requests.try_recv().is_err());
    Ok(())
}

#[tokio::test]
async fn no_answer_is_an_error() -> Result<()> {
    let addr = closed_port().await?;
    let ep = endpoint("crm", &format!("http://{addr}/hook"), SECRET, vec![])?;
    let result = test_delivery(&ep).await;
    assert!(matches!(result, Err(WebhookError::Http(_))), "{result:?}");
    Ok(())
}
