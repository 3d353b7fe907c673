//! Exports delivered by webhook (`GqlExportMethod::CustomWebhook`): Datasaur
//! PUTs `{userId, fileUrl, projectId, documentId}` to the export's `url`,
//! signed with `X-Datasaur-Signature: HMAC-SHA256(secret, body)`. Checking
//! that signature is all a receiver needs from this crate; it brings no
//! web framework.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer};
use sha2::Sha256;

use crate::{Error, Result};

/// The header Datasaur signs webhook deliveries with.
pub const SIGNATURE_HEADER: &str = "X-Datasaur-Signature";

/// The largest body accepted: a delivery is a few hundred bytes, and a
/// signature is checked over the whole body before anything is parsed.
const MAX_BODY: usize = 64 * 1024;

/// What Datasaur sends when an export made with the `CUSTOM_WEBHOOK`
/// method is ready: where to fetch the file.
///
/// ```
/// use datasaur::ExportWebhook;
/// use hmac::{Hmac, Mac};
///
/// let body = br#"{"userId":"u-1","fileUrl":"https://files.example.com/e.zip","projectId":"p-1","documentId":null}"#;
/// // What Datasaur puts in X-Datasaur-Signature (hex here; base64 is accepted too).
/// let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"the secret given with the export").unwrap();
/// mac.update(body);
/// let signature: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
///
/// let delivery = ExportWebhook::verify(body, &signature, "the secret given with the export")?;
/// assert_eq!(delivery.file_url.as_str(), "https://files.example.com/e.zip");
/// assert_eq!(delivery.project_id.as_deref(), Some("p-1"));
///
/// let forged = ExportWebhook::verify(body, &signature, "another secret").unwrap_err();
/// assert!(forged.is_webhook_rejected());
/// # Ok::<(), datasaur::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExportWebhook {
    /// The user the export was made for.
    #[serde(default, deserialize_with = "string_or_number")]
    pub user_id: Option<String>,
    /// Where the exported file is (fetch it without Datasaur's credentials).
    pub file_url: url::Url,
    /// The project exported, when the export was of a project.
    #[serde(default, deserialize_with = "string_or_number")]
    pub project_id: Option<String>,
    /// The document exported, when the export was of one document.
    #[serde(default, deserialize_with = "string_or_number")]
    pub document_id: Option<String>,
}

impl ExportWebhook {
    /// Downloads the delivered file to `path` as [`crate::Export::download_to`]
    /// does (a temporary file renamed into place, an existing file kept
    /// unless asked, 404 and 5xx retried within the options' time, no
    /// Datasaur credentials sent to the file host), with `client`'s download
    /// settings.
    ///
    /// ```no_run
    /// # async fn run(client: datasaur::Client, body: &[u8], signature: &str) -> Result<(), datasaur::Error> {
    /// let delivery = datasaur::ExportWebhook::verify(body, signature, "hook-secret")?;
    /// let file = delivery.download_to(&client, "labels.zip", Default::default()).await?;
    /// println!("{} bytes, sha256 {}", file.bytes, file.sha256);
    /// # Ok(()) }
    /// ```
    pub async fn download_to(
        &self,
        client: &crate::Client,
        path: impl AsRef<std::path::Path>,
        options: crate::DownloadOptions,
    ) -> Result<crate::Download> {
        crate::download::download(client, &self.file_url, None, path.as_ref(), &options).await
    }

    /// Checks that `signature` (the [`SIGNATURE_HEADER`] value: the
    /// HMAC-SHA256 of `body` under `secret`, as hex or base64, with or
    /// without a `sha256=` prefix) is right for the raw `body`, in constant
    /// time, then reads the body. Pass the body exactly as received, before
    /// any JSON parsing: a re-encoded body no longer matches.
    ///
    /// Errors are [`crate::ErrorKind::Webhook`]: a bad signature, a body
    /// over 64 KiB, or a signed body that is not a delivery.
    pub fn verify(body: &[u8], signature: &str, secret: impl AsRef<[u8]>) -> Result<Self> {
        if body.len() > MAX_BODY {
            return Err(Error::webhook(format!(
                "the body is {} bytes, over the {MAX_BODY} a delivery can be",
                body.len()
            )));
        }
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(Error::webhook("the secret is empty"));
        }
        let given = decode_signature(signature)
            .ok_or_else(|| Error::webhook("the signature is not HMAC-SHA256 in hex or base64"))?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .map_err(|_| Error::webhook("the secret cannot key HMAC-SHA256"))?;
        mac.update(body);
        mac.verify_slice(&given)
            .map_err(|_| Error::webhook("the signature does not match the body and secret"))?;
        serde_json::from_slice(body).map_err(|error| {
            Error::webhook(format!(
                "the signed body is not an export delivery: {error}"
            ))
        })
    }
}

/// The 32 bytes a signature header names: hex (either case) or base64
/// (standard or URL-safe, padded or not), after an optional `sha256=`.
fn decode_signature(header: &str) -> Option<Vec<u8>> {
    let text = header.trim();
    let text = text
        .strip_prefix("sha256=")
        .or_else(|| text.strip_prefix("SHA256="))
        .unwrap_or(text);
    let bytes = if text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        (0..32)
            .map(|index| u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        engines.iter().find_map(|engine| engine.decode(text).ok())?
    };
    (bytes.len() == 32).then_some(bytes)
}

/// An id Datasaur may send as a string or a number; `null` or absent is `None`.
fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(Option::<Id>::deserialize(deserializer)?.map(|id| match id {
        Id::Text(text) => text,
        Id::Number(number) => number.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    const SECRET: &str = "s3cret";
    const BODY: &[u8] = br#"{"userId":42,"fileUrl":"https://files.example.com/x.zip","projectId":"p","documentId":null}"#;

    fn signature(body: &[u8], secret: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn every_encoding_of_the_right_signature_is_accepted() {
        let raw = signature(BODY, SECRET);
        let encodings = [
            hex(&raw),
            hex(&raw).to_uppercase(),
            format!("sha256={}", hex(&raw)),
            base64::engine::general_purpose::STANDARD.encode(raw),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
            format!(" {} ", hex(&raw)),
        ];
        for header in encodings {
            let delivery = ExportWebhook::verify(BODY, &header, SECRET)
                .unwrap_or_else(|error| panic!("{header}: {error}"));
            assert_eq!(
                delivery.user_id.as_deref(),
                Some("42"),
                "numbers are ids too"
            );
            assert_eq!(delivery.project_id.as_deref(), Some("p"));
            assert_eq!(delivery.document_id, None);
            assert_eq!(
                delivery.file_url.as_str(),
                "https://files.example.com/x.zip"
            );
        }
    }

    #[test]
    fn wrong_secrets_altered_bodies_and_bad_encodings_are_refused() {
        let good = hex(&signature(BODY, SECRET));
        let altered = BODY
            .to_vec()
            .into_iter()
            .map(|b| if b == b'p' { b'q' } else { b })
            .collect::<Vec<_>>();
        let refused = [
            ExportWebhook::verify(BODY, &good, "another"),
            ExportWebhook::verify(&altered, &good, SECRET),
            ExportWebhook::verify(BODY, &good[..62], SECRET),
            ExportWebhook::verify(BODY, &format!("{good}00"), SECRET),
            ExportWebhook::verify(BODY, "zz", SECRET),
            ExportWebhook::verify(BODY, "", SECRET),
            ExportWebhook::verify(BODY, &good, ""),
            ExportWebhook::verify(&vec![b' '; MAX_BODY + 1], &good, SECRET),
        ];
        for (index, outcome) in refused.into_iter().enumerate() {
            let error = outcome.expect_err(&format!("case {index} is refused"));
            assert!(error.is_webhook_rejected(), "case {index}: {error}");
            assert!(!error.to_string().contains(SECRET), "case {index}: {error}");
        }
    }

    #[test]
    fn a_signed_body_of_another_shape_is_refused_after_the_signature() {
        let body = br#"{"fileUrl":"not a url"}"#;
        let error =
            ExportWebhook::verify(body, &hex(&signature(body, SECRET)), SECRET).unwrap_err();
        assert!(error.is_webhook_rejected());
        assert!(
            error.to_string().contains("not an export delivery"),
            "{error}"
        );
    }
}
