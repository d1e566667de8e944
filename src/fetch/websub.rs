//! WebSub publish pings: telling a hub that one of our feeds changed.
//!
//! In: the hub's URL (from `server.websub_hub`) and the URL of a feed that
//! got new items. Out: `Ok` when the hub accepted the ping, else a
//! [`FetchError`] naming the hub. W3C WebSub (§6, "Publishing") leaves the
//! ping's form to the hub; every public hub (Google's, Superfeedr,
//! websub.rocks, Switchboard) takes the PubSubHubbub 0.4 form used here: a
//! form-encoded POST of `hub.mode=publish` and `hub.url=<topic URL>`, one
//! topic per request (not all hubs accept several `hub.url` values).
//!
//! The hub is chosen by the operator, so — unlike feeds and pages — it is
//! not subject to the private-address guard: a hub on the same host is a
//! normal set-up.

use std::time::Duration;

use url::Url;

use super::FetchError;

/// A client for one hub.
#[derive(Debug, Clone)]
pub struct HubPinger {
    client: reqwest::Client,
    hub: Url,
}

impl HubPinger {
    /// A pinger for `hub`, identifying itself as `user_agent`; each ping
    /// gives up after `timeout`.
    pub fn new(hub: Url, user_agent: &str, timeout: Duration) -> Result<HubPinger, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(timeout)
            // A hub that redirects a POST is misconfigured; following it
            // would turn the ping into a GET (RFC 9110 §15.4.2).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(FetchError::Client)?;
        Ok(HubPinger { client, hub })
    }

    /// The hub's address.
    pub fn hub(&self) -> &Url {
        &self.hub
    }

    /// Tells the hub that `topic` (a feed URL we serve) has new content.
    /// Hubs answer 202 Accepted or 204 No Content; any 2xx is success.
    pub async fn publish(&self, topic: &Url) -> Result<(), FetchError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "publish")
            .append_pair("hub.url", topic.as_str())
            .finish();
        let response = self
            .client
            .post(self.hub.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|source| FetchError::Request {
                url: self.hub.clone(),
                source,
            })?;
        match response.status() {
            s if s.is_success() => Ok(()),
            status => Err(FetchError::Status {
                url: self.hub.clone(),
                status,
                retry_after: None,
            }),
        }
    }
}
