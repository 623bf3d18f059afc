//! The Python the tests run their helpers with: the pandas oracle
//! (`tests/oracle/business_hours.py`) and the aiosmtpd server (`tests/smtp/`).
//!
//! [`python`] takes, in this order: `DESK_TEST_PYTHON` when set; the virtual
//! environment `target/test-venv` when it has the modules; `python3` when it has them.
//! Otherwise it makes `target/test-venv` itself (`python3 -m venv`, then pip installs the
//! pinned `tests/requirements.txt`), once, under a lock file so parallel tests and test
//! runs wait for one another. When that cannot work (no python3, no venv module, no
//! network) every test that needs Python fails with one message saying what to install
//! or run, not a backtrace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What the helpers import.
const IMPORTS: &str = "import pandas, aiosmtpd";
const NEEDS: &str = "pandas and aiosmtpd";

/// The Python interpreter to run the tests' helpers with; fails the calling test with
/// one clear message when none can be had.
pub fn python() -> PathBuf {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(find) {
        Ok(p) => p.clone(),
        Err(msg) => {
            // The message alone: a panic would add a backtrace that says nothing here.
            eprintln!("{msg}");
            std::panic::resume_unwind(Box::new(msg.clone()))
        }
    }
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory (wherever `CARGO_TARGET_DIR` put it): the parent of the
/// integration tests' scratch directory.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| manifest().join("target"), Path::to_path_buf)
}

fn venv() -> PathBuf {
    target_dir().join("test-venv")
}

fn venv_python() -> PathBuf {
    venv().join("bin").join("python")
}

fn requirements() -> PathBuf {
    manifest().join("tests").join("requirements.txt")
}

/// True when `python` runs and imports every module the helpers need.
fn has_modules(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", IMPORTS])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The last lines of a tool's output, indented, for a message.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(6);
    lines[from..].iter().map(|l| format!("    {l}\n")).collect()
}

/// The set-up a person can do by hand, for every message.
fn by_hand() -> String {
    format!(
        "Set up by hand (see the README, \"Tests\"):\n    \
         apt-get install python3 python3-venv    # Debian, Ubuntu\n    \
         python3 -m venv {venv} && {venv}/bin/pip install -r {req}\n\
         or set DESK_TEST_PYTHON to a Python 3.11+ that has {NEEDS}.",
        venv = venv().display(),
        req = requirements().display(),
    )
}

fn find() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("DESK_TEST_PYTHON").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if has_modules(&p) {
            return Ok(p);
        }
        return Err(format!(
            "DESK_TEST_PYTHON={} cannot run `{IMPORTS}`: install {NEEDS} into it \
             (`{} -m pip install -r {}`), or unset DESK_TEST_PYTHON to let the tests make \
             {} themselves.",
            p.display(),
            p.display(),
            requirements().display(),
            venv().display()
        ));
    }
    if has_modules(&venv_python()) {
        return Ok(venv_python());
    }
    if !venv_python().exists() && has_modules(Path::new("python3")) {
        return Ok(PathBuf::from("python3"));
    }
    make_venv()
}

/// Makes (or completes) `target/test-venv` under the lock, unless another test or test
/// run did while this one waited.
fn make_venv() -> Result<PathBuf, String> {
    let target = target_dir();
    fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let lock_path = target.join("test-venv.lock");
    let lock = fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let venv = venv();
    let py = venv_python();
    if has_modules(&py) {
        return Ok(py);
    }
    // A venv left without pip (the venv module failed half-way) is made again.
    let has_pip = Command::new(&py)
        .args(["-m", "pip", "--version"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pip {
        let _ = fs::remove_dir_all(&venv);
        let out = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .stdin(Stdio::null())
            .output();
        match out {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "The tests need Python 3 with {NEEDS}, and there is no `python3` on \
                     the PATH.\n{}",
                    by_hand()
                ));
            }
            Err(e) => return Err(format!("cannot run python3: {e}\n{}", by_hand())),
            Ok(o) if !o.status.success() => {
                let _ = fs::remove_dir_all(&venv);
                return Err(format!(
                    "`python3 -m venv {}` failed; on Debian and Ubuntu the venv module is the \
                     package python3-venv:\n{}{}",
                    venv.display(),
                    tail(&[o.stdout, o.stderr].concat()),
                    by_hand()
                ));
            }
            Ok(_) => {}
        }
    }
    let out = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(requirements())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}\n{}", py.display(), by_hand()))?;
    if !out.status.success() {
        return Err(format!(
            "Installing {} into {} failed (is the package index reachable?):\n{}{}",
            requirements().display(),
            venv.display(),
            tail(&[out.stdout, out.stderr].concat()),
            by_hand()
        ));
    }
    if !has_modules(&py) {
        return Err(format!(
            "{} was installed into {} but `{IMPORTS}` still fails.\n{}",
            requirements().display(),
            venv.display(),
            by_hand()
        ));
    }
    Ok(py)
}
