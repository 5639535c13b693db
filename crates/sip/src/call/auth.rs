//! Answering 401/407 challenges to the requests of a call (RFC 3261 22.2) with the digest
//! client: each challenge is answered once; another challenge after an answer is a failure
//! unless it says `stale=true` with a new nonce.

use rsipstack::sip::{Header, Request, Response};

use super::message;
use super::types::Credentials;
use crate::digest::{choose_challenge, DigestClient};
use crate::registration::AuthHeader;
use crate::wire::random_token;

/// Most challenges answered in one call (every request of a call may be challenged once per
/// realm); a bound against a server that challenges forever.
const MAX_ROUNDS: usize = 16;

#[derive(Debug, Default)]
pub(crate) struct Auth {
    credentials: Option<Credentials>,
    clients: Vec<(AuthHeader, DigestClient)>,
    /// Nonces we already answered.
    answered: Vec<String>,
}

impl Auth {
    pub(crate) fn new(credentials: Option<Credentials>) -> Self {
        Auth {
            credentials,
            ..Auth::default()
        }
    }

    /// Takes in a 401/407 to `request`. Returns whether the request may be sent again with
    /// credentials: not when it already carried an answer for that realm (the credentials
    /// were refused) unless the challenge says `stale=true`, nor for a nonce answered before.
    pub(crate) fn handle_challenge(&mut self, request: &Request, response: &Response) -> bool {
        let Some(credentials) = &self.credentials else {
            return false;
        };
        let header = match response.status_code.code() {
            401 => AuthHeader::Authorization,
            407 => AuthHeader::ProxyAuthorization,
            _ => return false,
        };
        let values = message::challenges(response);
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let Ok(challenge) = choose_challenge(&refs, None) else {
            return false;
        };
        if self.answered.contains(&challenge.nonce) || self.answered.len() >= MAX_ROUNDS {
            return false;
        }
        let realm_param = format!("realm=\"{}\"", challenge.realm);
        let answered_realm = request.headers.iter().any(|h| match (h, header) {
            (Header::Authorization(v), AuthHeader::Authorization) => {
                v.value().contains(&realm_param)
            }
            (Header::ProxyAuthorization(v), AuthHeader::ProxyAuthorization) => {
                v.value().contains(&realm_param)
            }
            _ => false,
        });
        if answered_realm && !challenge.stale {
            return false;
        }
        let known_realm = self
            .clients
            .iter_mut()
            .find(|(h, c)| *h == header && c.challenge().realm == challenge.realm);
        match known_realm {
            Some((_, client)) => client.update(challenge.clone()),
            None => self.clients.push((
                header,
                DigestClient::new(
                    credentials.username.clone(),
                    credentials.password.clone(),
                    challenge.clone(),
                ),
            )),
        }
        self.answered.push(challenge.nonce);
        true
    }

    /// Replaces the request's Authorization/Proxy-Authorization headers with answers to every
    /// challenge met so far.
    pub(crate) fn authorize(&mut self, request: &mut Request) {
        if self.clients.is_empty() {
            return;
        }
        request
            .headers
            .retain(|h| !matches!(h, Header::Authorization(_) | Header::ProxyAuthorization(_)));
        let method = request.method.to_string();
        let uri = request.uri.to_string();
        for (header, client) in &mut self.clients {
            let value = client.authorize(&method, &uri, &request.body, &random_token(16));
            // Before Content-Length, which build_request writes last.
            let h = match header {
                AuthHeader::Authorization => Header::Authorization(value.into()),
                AuthHeader::ProxyAuthorization => Header::ProxyAuthorization(value.into()),
            };
            let at = request
                .headers
                .iter()
                .position(|h| matches!(h, Header::ContentType(_) | Header::ContentLength(_)))
                .unwrap_or(request.headers.len());
            request.headers.0.insert(at, h);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::call::message::build_response;
    use crate::call::message::tests_support::{invite, parse_response};
    use crate::digest::Password;

    fn challenge(status: u16, nonce: &str, stale: bool) -> Response {
        let header = format!(
            "Digest realm=\"pbx\", nonce=\"{nonce}\", qop=\"auth\"{}",
            if stale { ", stale=true" } else { "" }
        );
        let h = if status == 401 {
            Header::WwwAuthenticate(header.into())
        } else {
            Header::ProxyAuthenticate(header.into())
        };
        let source = "192.0.2.7:40000".parse().unwrap();
        parse_response(
            build_response(&invite(), source, status, Some("t"), vec![h], None).to_bytes(),
        )
    }

    fn auth() -> Auth {
        Auth::new(Some(Credentials {
            username: "al".into(),
            password: Password::new("secret"),
        }))
    }

    #[test]
    fn answers_a_challenge_once() {
        let mut a = auth();
        assert!(a.handle_challenge(&invite(), &challenge(407, "n1", false)));
        let mut request = invite();
        a.authorize(&mut request);
        let text = String::from_utf8(request.to_bytes()).unwrap();
        assert!(
            text.contains("Proxy-Authorization: Digest username=\"al\", realm=\"pbx\", nonce=\"n1\", uri=\"sip:bob@127.0.0.1:5070\", response=\""),
            "{text}"
        );
        assert!(text.contains("qop=auth, nc=00000001"), "{text}");
        // Body still last.
        assert!(text.ends_with("Content-Length: 4\r\n\r\nv=0\n"), "{text}");
        // Refused credentials: a new challenge for the same realm to the answered request fails.
        assert!(!a.handle_challenge(&request, &challenge(407, "n2", false)));
        // The same nonce again fails too.
        assert!(!a.handle_challenge(&request, &challenge(407, "n1", true)));
        // A later request of the call (a BYE) challenged afresh is answered.
        assert!(a.handle_challenge(&invite(), &challenge(407, "n3", false)));
    }

    #[test]
    fn stale_nonce_and_second_realm_are_answered() {
        let mut a = auth();
        let mut request = invite();
        assert!(a.handle_challenge(&request, &challenge(407, "n1", false)));
        a.authorize(&mut request);
        assert!(a.handle_challenge(&request, &challenge(407, "n2", true)));
        a.authorize(&mut request);
        assert!(a.handle_challenge(&request, &challenge(401, "n3", false)));
        a.authorize(&mut request);
        let text = String::from_utf8(request.to_bytes()).unwrap();
        assert_eq!(text.matches("Proxy-Authorization:").count(), 1, "{text}");
        assert_eq!(text.matches("\r\nAuthorization:").count(), 1, "{text}");
        assert!(text.contains("nonce=\"n2\""), "{text}");
    }

    #[test]
    fn without_credentials_nothing_is_answered() {
        let mut a = Auth::new(None);
        assert!(!a.handle_challenge(&invite(), &challenge(401, "n1", false)));
        let mut request = invite();
        a.authorize(&mut request);
        assert!(!String::from_utf8(request.to_bytes())
            .unwrap()
            .contains("Authorization"));
    }
}
