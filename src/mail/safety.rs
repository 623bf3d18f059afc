//! No automatic mail to an address that must never get one: mailer daemons,
//! no-reply senders and the helpdesk's own addresses, so two robots never talk forever.

use crate::model::Settings;

/// Why an automatic message to `address` must not be sent, or `None` if it may be.
pub fn refuse_auto_mail(address: &str, settings: &Settings) -> Option<String> {
    let a = address.trim().to_lowercase();
    let local = a.split('@').next().unwrap_or("");
    let robot = [
        "mailer-daemon",
        "postmaster",
        "no-reply",
        "noreply",
        "do-not-reply",
        "donotreply",
        "bounce",
        "bounces",
    ];
    if robot.iter().any(|r| {
        local == *r || local.starts_with(&format!("{r}+")) || local.starts_with(&format!("{r}-"))
    }) {
        return Some(format!("{a} is an automatic sender"));
    }
    if is_own_address(&a, settings) {
        return Some(format!("{a} is the helpdesk's own address"));
    }
    None
}

/// One of the helpdesk's own addresses (its main one or a department's).
pub fn is_own_address(address: &str, settings: &Settings) -> bool {
    settings.is_own_address(address)
}
