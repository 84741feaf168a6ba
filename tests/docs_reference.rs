//! The user guide (`docs/`) against the code it describes:
//!
//! - `docs/model-files.md` documents exactly the keys the model-file loader
//!   accepts, section by section (both directions). Convention: a line
//!   `<!-- keys: NAME -->` comes right before a markdown table whose first
//!   column holds each key in backticks; NAME is a name of
//!   [`spikejit::io::model_file::contract_keys`] (`top` for the top level).
//!   A `kinds` (monitors) or `ops` (protocol) column lists, comma-separated,
//!   the monitor kinds / protocol ops a key applies to, which gives the
//!   `monitors.KIND` / `protocol.OP` sets.
//! - every ```toml block of `docs/*.md` loads: a block with `[simulation]`
//!   is a whole model and is built with every kernel compiled (as `spikejit
//!   check`); any other block is a fragment whose shape is checked (after a
//!   `[simulation]` header).
//! - every ```rust block of `docs/rust-api.md` is, line for line, the visible
//!   part of a doc-test in `src/sim/mod.rs` or `src/units/quantity.rs`, so
//!   `cargo test --doc` compiles and runs it.
//! - `docs/cli.md` names every subcommand and option `spikejit --help`
//!   shows, and the exit codes it documents are the CLI's.
//! - `examples/README.md` lists every `examples/*.toml`, and every relative
//!   link and image of the guide (the tutorials' pages included) points at a
//!   file that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let p = root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn docs() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join("docs"))
        .unwrap_or_else(|e| panic!("cannot read docs/: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("md"))
        .map(|p| {
            let rel = format!("docs/{}", p.file_name().and_then(|n| n.to_str()).unwrap_or_default());
            let text = read(&rel);
            (rel, text)
        })
        .collect();
    out.sort();
    out
}

/// The cells of a markdown table row (`| a | b |`).
fn cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

/// The text between the first pair of backticks.
fn backticked(cell: &str) -> Option<String> {
    let a = cell.find('`')?;
    let rest = &cell[a + 1..];
    let b = rest.find('`')?;
    Some(rest[..b].to_string())
}

/// The documented keys of `docs/model-files.md`, per section name.
fn documented_keys(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, line) in lines.iter().enumerate() {
        let Some(name) = line
            .trim()
            .strip_prefix("<!-- keys:")
            .and_then(|r| r.strip_suffix("-->"))
            .map(str::trim)
        else {
            continue;
        };
        let name = if name == "top" { String::new() } else { name.to_string() };
        let table: Vec<&str> = lines[k + 1..]
            .iter()
            .take_while(|l| l.trim_start().starts_with('|'))
            .copied()
            .collect();
        assert!(
            table.len() >= 2,
            "docs/model-files.md:{}: '<!-- keys: {name} -->' is not followed by a table",
            k + 1
        );
        let header = cells(table[0]);
        let per = header.iter().position(|h| h == "kinds" || h == "ops");
        out.entry(name.clone()).or_default();
        for row in &table[2..] {
            let c = cells(row);
            let key = backticked(&c[0])
                .unwrap_or_else(|| panic!("docs/model-files.md: a row of '{name}' has no `key`: {row}"));
            out.get_mut(&name).map(|s| s.insert(key.clone()));
            if let Some(col) = per {
                for sub in c.get(col).map(String::as_str).unwrap_or("").split(',') {
                    let sub = sub.trim().trim_matches('`');
                    if !sub.is_empty() {
                        out.entry(format!("{name}.{sub}")).or_default().insert(key.clone());
                    }
                }
            }
        }
    }
    out
}

#[test]
fn model_file_reference_documents_exactly_the_loaders_keys() {
    let documented = documented_keys(&read("docs/model-files.md"));
    let accepted: BTreeMap<String, BTreeSet<String>> = spikejit::io::model_file::contract_keys()
        .into_iter()
        .map(|(n, keys)| (n.to_string(), keys.iter().map(|k| k.to_string()).collect()))
        .collect();
    let show = |n: &str| if n.is_empty() { "top".to_string() } else { n.to_string() };
    let mut problems = Vec::new();
    for (name, keys) in &accepted {
        match documented.get(name) {
            None => problems.push(format!(
                "section '{}' is not documented (add '<!-- keys: {} -->' and a table)",
                show(name),
                show(name)
            )),
            Some(doc) => {
                let missing: Vec<&String> = keys.difference(doc).collect();
                let extra: Vec<&String> = doc.difference(keys).collect();
                if !missing.is_empty() {
                    problems.push(format!(
                        "'{}': accepted by the loader but not documented: {missing:?}",
                        show(name)
                    ));
                }
                if !extra.is_empty() {
                    problems.push(format!(
                        "'{}': documented but not accepted by the loader: {extra:?}",
                        show(name)
                    ));
                }
            }
        }
    }
    for name in documented.keys() {
        if !accepted.contains_key(name) {
            problems.push(format!(
                "'{}' is documented but is not a table of the loader (contract_keys)",
                show(name)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/model-files.md and src/io/model_file.rs disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// The fenced blocks of a markdown text whose info string is `lang`: (line, text).
fn fenced(text: &str, lang: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String, bool)> = None;
    for (k, line) in text.lines().enumerate() {
        let t = line.trim_start();
        match &mut cur {
            None => {
                if let Some(info) = t.strip_prefix("```") {
                    cur = Some((k + 1, String::new(), info.trim() == lang));
                }
            }
            Some((start, body, keep)) => {
                if t.starts_with("```") {
                    if *keep {
                        out.push((*start, std::mem::take(body)));
                    }
                    cur = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn toml_examples_of_the_guide_load() {
    let mut problems = Vec::new();
    let mut whole = 0;
    for (file, text) in docs() {
        for (line, block) in fenced(&text, "toml") {
            let name = format!("{file}:{line}");
            let is_model = block.lines().any(|l| l.trim() == "[simulation]");
            let src = if is_model {
                block.clone()
            } else {
                format!("[simulation]\nduration = \"1*ms\"\n{block}")
            };
            let result = spikejit::io::parse_model(&name, src).and_then(|m| {
                if !is_model {
                    return Ok(());
                }
                whole += 1;
                let (mut net, _) = spikejit::io::build(&m, &spikejit::io::BuildOptions::default())?;
                net.check()
            });
            if let Err(e) = result {
                problems.push(spikejit::io::render(&e, false));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "toml examples that do not load:\n{}",
        problems.join("\n")
    );
    assert!(whole >= 2, "expected whole model examples in docs/, found {whole}");
}

/// The doc-test blocks of a Rust source, as their visible lines (`# ` lines hidden).
fn doc_tests(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in src.lines() {
        let t = line.trim_start();
        let Some(doc) = t.strip_prefix("///").or_else(|| t.strip_prefix("//!")) else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        match &mut cur {
            None => {
                if let Some(info) = doc.strip_prefix("```") {
                    let info = info.trim();
                    if info.is_empty() || info.starts_with("rust") || info == "no_run" {
                        cur = Some(String::new());
                    }
                }
            }
            Some(body) => {
                if doc.starts_with("```") {
                    out.push(std::mem::take(body));
                    cur = None;
                } else if doc != "#" && !doc.starts_with("# ") {
                    body.push_str(doc.trim_end());
                    body.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn rust_examples_of_the_guide_are_doc_tests() {
    let mut tests = Vec::new();
    for f in ["src/sim/mod.rs", "src/units/quantity.rs"] {
        tests.extend(doc_tests(&read(f)));
    }
    let text = read("docs/rust-api.md");
    let blocks = fenced(&text, "rust");
    assert!(!blocks.is_empty(), "docs/rust-api.md has no ```rust blocks");
    let mut problems = Vec::new();
    for (line, block) in blocks {
        let block: String = block.lines().map(|l| format!("{}\n", l.trim_end())).collect();
        if !tests.contains(&block) {
            problems.push(format!(
                "docs/rust-api.md:{line}: this block is not a doc-test of src/sim/mod.rs or src/units/quantity.rs (copy it there, or copy the doc-test's visible lines here):\n{block}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn spikejit(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spikejit"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run spikejit: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The `--long` options of a help text.
fn long_options(help: &str) -> BTreeSet<String> {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
        .filter(|w| !w.contains('='))
        .collect()
}

#[test]
fn cli_reference_names_every_subcommand_and_option() {
    let doc = read("docs/cli.md");
    let (code, help) = spikejit(&["--help"]);
    assert_eq!(code, 0, "{help}");
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 4, "{help}");
    let mut problems = Vec::new();
    for c in &commands {
        if !doc.contains(&format!("## `spikejit {c}")) {
            problems.push(format!("subcommand '{c}' has no '## `spikejit {c}' heading"));
        }
        let (code, sub) = spikejit(&[c, "--help"]);
        assert_eq!(code, 0, "{sub}");
        // the first cells of the option tables
        let documented: Vec<String> = doc
            .lines()
            .filter(|l| l.trim_start().starts_with('|'))
            .filter_map(|l| cells(l).into_iter().next())
            .collect();
        for opt in long_options(&sub) {
            if !documented.iter().any(|cell| cell.contains(&format!("`{opt}"))) {
                problems.push(format!(
                    "'spikejit {c} {opt}' is not in an option table (a row starting with `{opt}...`)"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "docs/cli.md:\n  {}", problems.join("\n  "));
    // the exit codes the page documents
    assert!(doc.contains("| 0 |") && doc.contains("| 1 |") && doc.contains("| 2 |"));
    let (code, text) = spikejit(&["run"]);
    assert_eq!(code, 2, "a usage error: {text}");
    let (code, text) = spikejit(&["check", "no/such/file.toml"]);
    assert_eq!(code, 1, "an input error: {text}");
    let (code, text) = spikejit(&["check", root().join("examples/cuba.toml").to_str().unwrap_or("")]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn examples_index_lists_every_example() {
    let index = read("examples/README.md");
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("toml"))
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .collect();
    names.sort();
    let missing: Vec<&String> = names.iter().filter(|n| !index.contains(&format!("({n})"))).collect();
    assert!(
        missing.is_empty(),
        "examples/README.md does not link these examples (as `[...](NAME.toml)`): {missing:?}"
    );
}

/// Relative link targets of a markdown text: `](target)` outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(k) = rest.find("](") {
            rest = &rest[k + 2..];
            let Some(end) = rest.find(')') else { break };
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn relative_links_of_the_guide_exist() {
    let mut files: Vec<(String, String)> = docs();
    for f in ["README.md", "examples/README.md"] {
        files.push((f.to_string(), read(f)));
    }
    // the tutorials (their model files are checked by tests/tutorials.rs)
    for f in ["README.md", "1-neurons.md", "2-synapses.md", "3-simulations.md"] {
        let rel = format!("docs/tutorials/{f}");
        let text = read(&rel);
        files.push((rel, text));
    }
    let mut problems = Vec::new();
    for (file, text) in files {
        let dir = Path::new(&file).parent().map(Path::to_path_buf).unwrap_or_default();
        for target in links(&text) {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or("");
            let full = root().join(&dir).join(path);
            // ../../shared/DESIGN.md lies outside the repository in some checkouts
            if path.contains("shared/") {
                continue;
            }
            if !full.exists() {
                problems.push(format!("{file}: link to '{target}': no such file"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
