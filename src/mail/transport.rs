//! Delivering queued mail: through the system's sendmail (any sendmail-compatible
//! program) or an SMTP relay (lettre, STARTTLS with rustls).

use std::io::Write;
use std::process::{Command, Stdio};

use lettre::Transport as _;
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};

/// Where `desk outbox send` hands messages over.
pub trait Transport {
    /// Sends one message to `to`, with `from` as the envelope sender.
    fn send(&mut self, from: &str, to: &[String], bytes: &[u8]) -> Result<(), String>;
}

/// A sendmail-compatible program, given the message on standard input. The command is
/// split into words like a shell would (quotes kept together) but never run by one.
pub struct Sendmail {
    argv: Vec<String>,
}

impl Sendmail {
    pub fn new(command: &str) -> Result<Sendmail, String> {
        let argv =
            shell_words::split(command).map_err(|e| format!("--sendmail `{command}`: {e}"))?;
        if argv.is_empty() {
            return Err("--sendmail: the command is empty".into());
        }
        Ok(Sendmail { argv })
    }
}

impl Transport for Sendmail {
    fn send(&mut self, _from: &str, _to: &[String], bytes: &[u8]) -> Result<(), String> {
        let mut child = Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", self.argv[0]))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A program that exits early closes its end; its exit status tells why.
            let _ = stdin.write_all(bytes);
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("`{}`: {e}", self.argv[0]))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        Err(format!(
            "`{}` failed ({}){}",
            self.argv[0],
            out.status,
            if last.is_empty() {
                String::new()
            } else {
                format!(": {}", last.trim())
            }
        ))
    }
}

/// An SMTP relay: `smtp://HOST[:PORT]` (STARTTLS, port 587 by default) or
/// `smtps://HOST[:PORT]` (TLS from the start, port 465). `?tls=required|opportunistic|
/// none` chooses for `smtp://`: opportunistic by default, required when credentials are
/// set. Credentials come from `DESK_SMTP_USER` and `DESK_SMTP_PASSWORD`, never the URL,
/// so they stay out of crontabs and shell history.
pub struct Smtp {
    transport: SmtpTransport,
}

impl Smtp {
    pub fn new(url: &str) -> Result<Smtp, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("--smtp `{url}`: {e}"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(format!(
                "--smtp `{url}`: put credentials in DESK_SMTP_USER and DESK_SMTP_PASSWORD, not in the URL"
            ));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("--smtp `{url}`: no host"))?
            .to_string();
        let user = std::env::var("DESK_SMTP_USER")
            .ok()
            .filter(|u| !u.is_empty());
        let password = std::env::var("DESK_SMTP_PASSWORD").unwrap_or_default();
        let tls_mode = parsed
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.to_string());
        let params =
            || TlsParameters::new(host.clone()).map_err(|e| format!("--smtp `{url}`: TLS: {e}"));
        let (port, tls) = match (parsed.scheme(), tls_mode.as_deref()) {
            ("smtps", None | Some("required")) => (465, Tls::Wrapper(params()?)),
            ("smtp", Some("required")) => (587, Tls::Required(params()?)),
            ("smtp", Some("opportunistic")) => (587, Tls::Opportunistic(params()?)),
            ("smtp", Some("none")) => (587, Tls::None),
            ("smtp", None) if user.is_some() => (587, Tls::Required(params()?)),
            ("smtp", None) => (587, Tls::Opportunistic(params()?)),
            (scheme, mode) => {
                return Err(format!(
                    "--smtp `{url}`: use smtp:// or smtps://, with ?tls=required, opportunistic or none (got {scheme}, {})",
                    mode.unwrap_or("no tls")
                ));
            }
        };
        let mut b = SmtpTransport::builder_dangerous(&host)
            .port(parsed.port().unwrap_or(port))
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(60)));
        if let Some(u) = user {
            b = b.credentials(Credentials::new(u, password));
        }
        Ok(Smtp {
            transport: b.build(),
        })
    }
}

impl Transport for Smtp {
    fn send(&mut self, from: &str, to: &[String], bytes: &[u8]) -> Result<(), String> {
        let from: Address = from.parse().map_err(|e| format!("sender `{from}`: {e}"))?;
        let to = to
            .iter()
            .map(|t| {
                t.parse::<Address>()
                    .map_err(|e| format!("recipient `{t}`: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let envelope = Envelope::new(Some(from), to).map_err(|e| e.to_string())?;
        self.transport
            .send_raw(&envelope, bytes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
