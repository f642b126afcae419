use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `throughline --database-url URL ARGS…` in `cwd`, with no database URL inherited from
/// the environment.
pub fn throughline(url: Option<&str>, cwd: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_throughline"));
    command
        .current_dir(cwd)
        .env_remove("THROUGHLINE_DATABASE_URL")
        .env_remove("THROUGHLINE_LOG");
    if let Some(url) = url {
        command.args(["--database-url", url]);
    }
    command
        .args(args)
        .output()
        .expect("the throughline binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns standard output.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

pub fn example_org() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org.toml")
}

pub fn example_org_str() -> String {
    example_org().display().to_string()
}
