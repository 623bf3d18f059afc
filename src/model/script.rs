//! Scripts as rules name them (`{ run = "NAME" }`): what a name may be, and how long a
//! script may take unless the rule says otherwise. Running them is `crate::scripts`.

use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A script name is one file name: no directories, no `..`, no hidden files.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a script needs a name".into());
    }
    if name.contains(['/', '\\', '\0'])
        || name.starts_with('.')
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "script `{name}`: give the name of a file directly inside scripts/, without a path"
        ));
    }
    Ok(())
}
