//! The code base's own rules, checked by reading the files of `src/` (as rust-analyzer's
//! `tidy` tests do): the layer order and no import circle between files, where `anyhow`,
//! `std::env::var`, the HTTP crate and the keychain crates may be named, where a secret may
//! be exposed, and how long a file may grow. Each rule is named in docs/ARCHITECTURE.md.
//!
//! The reading is lexical, not a compiler's: comments, string literals and `#[cfg(test)]`
//! items are removed first, then every `use` tree and every `crate::`/`super::`/`self::` path
//! is resolved to the file that defines (or, through a `pub use`, re-exports) the name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, top first. An arrow between files of two different entries must point down
/// (to a later layer); inside one layer, modules may use each other as long as no circle
/// forms. Every top-level module of `src/` must be listed.
const LAYERS: &[&[&str]] = &[
    &["app"],
    &["commands", "cli", "error"],
    &["helpers", "session"],
    &["config", "store", "audit"],
    &["oauth"],
    &[
        "paths",
        "secret",
        "settings",
        "url_policy",
        "output",
        "time",
        "lockfile",
        "signals",
        "hardening",
    ],
];

/// Arrows against the rules that the rest of issue 18 removes, each `(from, to)`. The test
/// fails when one of them is gone, so that this list only shrinks.
const NOT_YET_UNTANGLED: &[(&str, &str)] = &[];

/// Files that still name `anyhow` outside `commands/` and `app.rs` (the list only shrinks).
const NOT_YET_TYPED: &[&str] = &[];

/// Files over 600 lines still to split (the list only shrinks).
const NOT_YET_SPLIT: &[&str] = &[];

/// A file of `src/`, read.
struct File {
    /// Relative to `src/`, with `/`.
    path: String,
    /// Its module path: `session/serve.rs` is `["session", "serve"]`.
    module: Vec<String>,
    /// The text without comments, string literals and `#[cfg(test)]` items.
    code: String,
    /// The text without `#[cfg(test)]` items (comments and literals kept).
    text: String,
}

fn src_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of `src/` as it will be compiled into the library (not `main.rs`, not
/// files that only exist under `#[cfg(test)]`).
fn read_src(src: &Path) -> Vec<File> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under src/")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("sources are UTF-8");
                out.push((rel, text));
            }
        }
    }
    let mut raw = vec![];
    walk(src, src, &mut raw);
    raw.sort();
    let mut test_only = BTreeSet::new();
    let mut files = vec![];
    for (path, text) in raw {
        if path == "main.rs" {
            continue;
        }
        let (code, test_mods, text) = strip(&text);
        let module = module_of(&path);
        for m in test_mods {
            let mut child = module.clone();
            child.push(m);
            test_only.insert(child);
        }
        files.push(File {
            path,
            module,
            code,
            text,
        });
    }
    files.retain(|f| !test_only.iter().any(|t| f.module.starts_with(t)));
    files
}

fn module_of(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The text without comments, string and char literals, and without the items under
/// `#[cfg(test)]`; plus the names of child modules declared under `#[cfg(test)]` (`mod x;`), and
/// the text with only the test items removed (for the rules about literals). What is removed
/// becomes spaces, so a byte offset means the same in all three.
fn strip(text: &str) -> (String, Vec<String>, String) {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Blank `b[from..to]`, keeping its line breaks; quote it when `quote` is given.
    let blank = |out: &mut String, from: usize, to: usize, quote: Option<char>| {
        for (k, &c) in b[from..to].iter().enumerate() {
            let edge = k == 0 || k == to - from - 1;
            match (quote, edge) {
                (Some(q), true) => out.push(q),
                _ if c == b'\n' => out.push('\n'),
                _ => out.push(' '),
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            blank(&mut out, start, i, None);
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            blank(&mut out, start, i.min(b.len()), None);
        } else if c == b'r'
            && matches!(b.get(i + 1), Some(b'"' | b'#'))
            && (i == 0 || !is_ident(b[i - 1]))
            && let Some(end) = raw_string_end(b, i)
        {
            out.push('r');
            blank(&mut out, i + 1, end, Some('"'));
            i = end;
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            blank(&mut out, start, i, Some('"'));
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                i += 3;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i = (i + 1).min(b.len());
                blank(&mut out, start, i, Some('\''));
            } else if let Some(len) = text[i + 1..].chars().next().map(char::len_utf8)
                && b.get(i + 1 + len) == Some(&b'\'')
            {
                i += len + 2;
                blank(&mut out, start, i, Some('\''));
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    let (ranges, test_mods) = test_items(&out);
    let cut = |s: &str| {
        let mut s = s.to_string();
        for r in &ranges {
            let blanked: String = s[r.clone()]
                .bytes()
                .map(|c| if c == b'\n' { '\n' } else { ' ' })
                .collect();
            s.replace_range(r.clone(), &blanked);
        }
        s
    };
    (cut(&out), test_mods, cut(text))
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Where the raw string literal starting at `i` (`r"…"`, `r#"…"#`) ends.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"' && (1..=hashes).all(|k| b.get(j + k) == Some(&b'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    None
}

/// The byte ranges of the items under `#[cfg(test)]` in `code` (attribute included), and the
/// names of the child modules among them declared as `mod x;`.
fn test_items(code: &str) -> (Vec<std::ops::Range<usize>>, Vec<String>) {
    const ATTR: &str = "#[cfg(test)]";
    let mut ranges = vec![];
    let mut test_mods = vec![];
    let mut offset = 0;
    let mut rest = code;
    while let Some(at) = rest.find(ATTR) {
        let item = &rest[at + ATTR.len()..];
        let b = item.as_bytes();
        // The item ends at its first `;` outside braces, or at the brace closing its body.
        let mut depth = 0;
        let mut end = b.len();
        for (k, &c) in b.iter().enumerate() {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        let words: Vec<&str> = item[..end]
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ';'))
            .filter(|w| !w.is_empty())
            .collect();
        if let [.., "mod", name] = words.as_slice()
            && let Some(name) = name.strip_suffix(';')
        {
            test_mods.push(name.to_string());
        }
        let from = offset + at;
        let to = from + ATTR.len() + end;
        ranges.push(from..to);
        offset = to;
        rest = &item[end..];
    }
    (ranges, test_mods)
}

/// One name a file refers to: a path as written, relative to the file's module.
struct Use {
    /// Where it is written, for the inline module it is in.
    at: usize,
    path: Vec<String>,
    /// The name it is bound to (`as`, or the last segment), for `use` items.
    name: String,
    /// A `pub`/`pub(crate)` re-export.
    public: bool,
}

/// Every `use` item of `code`, its trees expanded.
fn use_items(code: &str) -> Vec<Use> {
    let mut out = vec![];
    let b = code.as_bytes();
    let mut i = 0;
    while let Some(at) = code[i..].find("use ") {
        let start = i + at;
        i = start + 4;
        if start > 0 && is_ident(b[start - 1]) {
            continue;
        }
        let Some(len) = code[i..].find(';') else {
            break;
        };
        let mut tree = code[i..i + len]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for (from, to) in [(" ::", "::"), (":: ", "::"), ("{ ", "{"), (" {", "{")] {
            tree = tree.replace(from, to);
        }
        for (from, to) in [(" }", "}"), (", ", ","), (" ,", ",")] {
            tree = tree.replace(from, to);
        }
        let before = code[..start].trim_end();
        let public = ["pub", "pub(crate)", "pub(super)"]
            .iter()
            .any(|p| before.ends_with(p));
        let from = out.len();
        expand(&tree, &mut vec![], public, &mut out);
        for u in &mut out[from..] {
            u.at = start;
        }
        i += len;
    }
    out
}

/// Expand a use tree with single spaces only around `as` (`crate::a::{b,c::d as e}`) into
/// its paths.
fn expand(tree: &str, prefix: &mut Vec<String>, public: bool, out: &mut Vec<Use>) {
    if let Some(open) = tree.find('{')
        && tree.ends_with('}')
        && !tree[..open].contains(',')
    {
        let head: Vec<String> = tree[..open]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let depth = prefix.len();
        prefix.extend(head);
        for part in split_top(&tree[open + 1..tree.len() - 1]) {
            expand(part, prefix, public, out);
        }
        prefix.truncate(depth);
        return;
    }
    if tree.is_empty() || tree.ends_with('*') {
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((p, a)) => (p, Some(a)),
        None => (tree, None),
    };
    let mut full = prefix.clone();
    full.extend(path.split("::").map(String::from));
    if full.last().is_some_and(|s| s == "self") {
        full.pop();
    }
    let name = alias
        .map(String::from)
        .or_else(|| full.last().cloned())
        .unwrap_or_default();
    out.push(Use {
        at: 0,
        path: full,
        name,
        public,
    });
}

/// Split `a,b::{c,d},e` at its top-level commas.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = vec![];
    let mut depth = 0;
    let mut from = 0;
    for (k, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[from..k]);
                from = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[from..]);
    parts
}

/// Every `crate::…`, `super::…` and `self::…` path written outside `use` items, with where.
fn inline_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = vec![];
    let b = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        let mut i = 0;
        while let Some(at) = code[i..].find(root) {
            let start = i + at;
            i = start + root.len();
            if start > 0 && (is_ident(b[start - 1]) || b[start - 1] == b':') {
                continue;
            }
            let mut end = start;
            while end < b.len() && (is_ident(b[end]) || b[end] == b':') {
                end += 1;
            }
            out.push((
                start,
                code[start..end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ));
        }
    }
    out
}

/// The inline modules of `code` (`mod imp { … }`): their names and byte ranges.
fn inline_modules(code: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let b = code.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while let Some(at) = code[i..].find("mod ") {
        let start = i + at;
        i = start + 4;
        if start > 0 && is_ident(b[start - 1]) {
            continue;
        }
        let rest = &code[i..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let after = rest[name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let open = i + name.len() + (rest.len() - name.len() - after.len());
        let mut depth = 0;
        let mut end = b.len();
        for (k, &c) in b.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((name, open..end));
    }
    out
}

/// The module a reference at `at` is written in: the file's, or an inline one inside it.
fn module_at(
    file: &[String],
    inline: &[(String, std::ops::Range<usize>)],
    at: usize,
) -> Vec<String> {
    let mut m = file.to_vec();
    m.extend(
        inline
            .iter()
            .filter(|(_, r)| r.contains(&at))
            .map(|(n, _)| n.clone()),
    );
    m
}

/// The files of `src/` and the arrows between them: `from` uses a name `to` defines.
struct Graph {
    files: Vec<String>,
    arrows: BTreeMap<String, BTreeSet<String>>,
}

fn graph(files: &[File]) -> Graph {
    let by_module: BTreeMap<Vec<String>, &File> =
        files.iter().map(|f| (f.module.clone(), f)).collect();
    let uses: BTreeMap<Vec<String>, Vec<Use>> = files
        .iter()
        .map(|f| (f.module.clone(), use_items(&f.code)))
        .collect();
    let children = |m: &[String]| -> BTreeSet<String> {
        by_module
            .keys()
            .filter(|k| k.len() == m.len() + 1 && k.starts_with(m))
            .map(|k| k[m.len()].clone())
            .collect()
    };
    // Make a path absolute from the crate root; `None` for other crates.
    let absolute = |module: &[String], path: &[String]| -> Option<Vec<String>> {
        let (first, rest) = path.split_first()?;
        match first.as_str() {
            "crate" => Some(rest.to_vec()),
            "self" => Some([module, rest].concat()),
            "super" => {
                let mut base = module.to_vec();
                let mut rest = path;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                Some([&base[..], rest].concat())
            }
            _ if children(module).contains(first) => Some([module, path].concat()),
            _ => None,
        }
    };
    // Follow a path to the file defining its item, through `pub use` re-exports.
    let resolve = |path: Vec<String>| -> Option<String> {
        let mut path = path;
        for _ in 0..16 {
            let mut module: Vec<String> = vec![];
            let mut redirected = None;
            for (k, seg) in path.iter().enumerate() {
                let mut next = module.clone();
                next.push(seg.clone());
                if by_module.contains_key(&next) {
                    module = next;
                    continue;
                }
                let reexport = uses
                    .get(&module)
                    .into_iter()
                    .flatten()
                    .find(|u| u.public && &u.name == seg)
                    .and_then(|u| absolute(&module, &u.path));
                if let Some(target) = reexport {
                    redirected = Some([&target[..], &path[k + 1..]].concat());
                }
                break;
            }
            match redirected {
                Some(p) if p != path => path = p,
                _ => return by_module.get(&module).map(|f| f.path.clone()),
            }
        }
        None
    };
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let inline = inline_modules(&f.code);
        let mut paths: Vec<Vec<String>> = uses[&f.module]
            .iter()
            .filter_map(|u| absolute(&module_at(&f.module, &inline, u.at), &u.path))
            .collect();
        paths.extend(
            inline_paths(&f.code)
                .iter()
                .filter_map(|(at, p)| absolute(&module_at(&f.module, &inline, *at), p)),
        );
        for p in paths {
            let Some(to) = resolve(p) else { continue };
            let target = &by_module
                .values()
                .find(|g| g.path == to)
                .expect("resolved to a file")
                .module;
            // A folder's `mod.rs` (and `lib.rs`) is the folder's face: it declares its
            // children and re-exports the names the rest may use; those arrows are not
            // dependencies of the folder on itself.
            let face = f.path.ends_with("mod.rs") || f.path == "lib.rs";
            if to == f.path || face && target.starts_with(&f.module) {
                continue;
            }
            arrows.entry(f.path.clone()).or_default().insert(to);
        }
    }
    Graph {
        files: files.iter().map(|f| f.path.clone()).collect(),
        arrows,
    }
}

/// The top-level module a file belongs to (`session/serve.rs` → `session`).
fn top(path: &str) -> &str {
    path.split('/')
        .next()
        .expect("a path")
        .trim_end_matches(".rs")
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Arrows against the layer order, as `from → to` lines.
fn upward_arrows(g: &Graph) -> Vec<String> {
    let mut bad = vec![];
    for (from, tos) in &g.arrows {
        for to in tos {
            let (a, b) = (top(from), top(to));
            if a == b || from == "lib.rs" {
                continue;
            }
            match (layer(a), layer(b)) {
                (Some(x), Some(y)) if x <= y => {}
                (Some(_), Some(_)) => bad.push(format!("{from} → {to} (`{a}` is below `{b}`)")),
                _ => bad.push(format!("{from} → {to} (a module missing from LAYERS)")),
            }
        }
    }
    bad
}

/// The import circles between files: each strongly connected component of more than one
/// file, with one circle through it.
fn circles(g: &Graph) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iteratively small enough to recurse: src/ has under 100 files.
    struct State<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        let g = s.g;
        for w in g.arrows.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = vec![];
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on_stack: BTreeSet::new(),
        out: vec![],
    };
    for f in &g.files {
        if !s.index.contains_key(f.as_str()) {
            visit(&mut s, f);
        }
    }
    s.out
}

/// One circle through the component: the shortest path from its first file back to itself.
fn one_circle(g: &Graph, comp: &[String]) -> String {
    let start = &comp[0];
    let inside: BTreeSet<&String> = comp.iter().collect();
    let mut prev: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in g.arrows.get(v).into_iter().flatten() {
            if !inside.contains(w) {
                continue;
            }
            if w == start {
                let mut path = vec![v.clone()];
                let mut at = v;
                while let Some(p) = prev.get(at) {
                    path.push((*p).clone());
                    at = p;
                }
                if at != start {
                    path.push(start.clone());
                }
                path.reverse();
                path.push(start.clone());
                return path.join(" → ");
            }
            if !prev.contains_key(w) && w != start {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    comp.join(", ")
}

/// The files (relative to `src/`) whose compiled code contains `word`, outside `allowed`
/// (paths, or folders ending in `/`).
fn files_naming(files: &[File], word: &str, allowed: &[&str]) -> Vec<String> {
    files
        .iter()
        .filter(|f| {
            !allowed
                .iter()
                .any(|a| f.path == *a || a.ends_with('/') && f.path.starts_with(a))
        })
        .filter(|f| contains_word(&f.code, word))
        .map(|f| f.path.clone())
        .collect()
}

fn contains_word(code: &str, word: &str) -> bool {
    let b = code.as_bytes();
    code.match_indices(word).any(|(at, _)| {
        let before = at == 0 || !is_ident(b[at - 1]);
        let after = b.get(at + word.len()).is_none_or(|&c| !is_ident(c));
        before && after
    })
}

#[test]
fn imports_point_down_the_layers_and_never_circle() {
    let files = read_src(&src_dir());
    assert!(files.len() > 50, "the scan found too few files");
    let mut g = graph(&files);
    let arrows: usize = g.arrows.values().map(BTreeSet::len).sum();
    assert!(arrows > 150, "the scan found too few arrows: {arrows}");
    for (from, to) in NOT_YET_UNTANGLED {
        let gone = !g.arrows.get_mut(*from).is_some_and(|t| t.remove(*to));
        assert!(
            !gone,
            "{from} → {to} is gone: take it off NOT_YET_UNTANGLED"
        );
    }
    for f in &files {
        if f.path != "lib.rs" {
            assert!(
                layer(top(&f.path)).is_some(),
                "{}: add its module to LAYERS in src/tidy.rs",
                f.path
            );
        }
    }
    let up = upward_arrows(&g);
    let circles: Vec<String> = circles(&g)
        .iter()
        .map(|c| match c.len() {
            2 => one_circle(&g, c),
            n => format!(
                "{} (one of {n} files in a knot: {})",
                one_circle(&g, c),
                c.join(", ")
            ),
        })
        .collect();
    assert!(
        up.is_empty() && circles.is_empty(),
        "the layer order is `{}` (docs/ARCHITECTURE.md).\narrows against it:\n  {}\nimport circles between files:\n  {}",
        LAYERS
            .iter()
            .map(|l| l.join(", "))
            .collect::<Vec<_>>()
            .join(" → "),
        up.join("\n  "),
        circles.join("\n  ")
    );
}

#[test]
fn anyhow_only_in_commands_and_app() {
    let files = read_src(&src_dir());
    let found = files_naming(&files, "anyhow", &["commands/", "app.rs"]);
    for f in NOT_YET_TYPED {
        assert!(
            found.contains(&f.to_string()),
            "{f} is typed now: take it off NOT_YET_TYPED"
        );
    }
    assert_eq!(
        found
            .iter()
            .filter(|f| !NOT_YET_TYPED.contains(&f.as_str()))
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "core modules return typed errors (thiserror); anyhow belongs to commands/ and app.rs"
    );
}

#[test]
fn only_settings_reads_the_environment() {
    let files = read_src(&src_dir());
    let found: Vec<&str> = files
        .iter()
        .filter(|f| f.code.contains("env::var"))
        .map(|f| f.path.as_str())
        .collect();
    // Variables that are not tok's settings, read where their owner's rule is applied:
    // `exec` and `setup` look a command up on PATH as `execvp` would; `oauth/browser.rs`
    // decides as the browser-opening crate does (BROWSER, DISPLAY, WAYLAND_DISPLAY, SSH_*);
    // `store/keychain.rs` probes the D-Bus session bus the Secret Service crate will use.
    assert_eq!(
        found,
        [
            "commands/exec.rs",
            "commands/setup.rs",
            "oauth/browser.rs",
            "settings.rs",
            "store/keychain.rs"
        ],
        "read the variable in settings.rs"
    );
}

#[test]
fn only_http_names_the_http_crate() {
    let files = read_src(&src_dir());
    assert_eq!(
        files_naming(&files, "reqwest", &["oauth/http.rs"]),
        Vec::<String>::new()
    );
}

#[test]
fn only_the_keychain_store_names_the_keychain_crates() {
    let files = read_src(&src_dir());
    for word in [
        "keyring_core",
        "zbus_secret_service_keyring_store",
        "linux_keyutils_keyring_store",
        "apple_native_keyring_store",
        "windows_native_keyring_store",
    ] {
        assert_eq!(
            files_naming(&files, word, &["store/keychain.rs"]),
            Vec::<String>::new(),
            "{word}"
        );
    }
}

/// Where a secret leaves its redacting type (`grep -rn expose src/`): each file and function
/// that calls `.expose()`, and why. A new call fails here until it is a boundary listed below.
const EXPOSE_BOUNDARIES: &[(&str, &str, &str)] = &[
    ("commands/exec.rs", "run", "the child's environment"),
    ("commands/print/render.rs", "render", "stdout"),
    (
        "commands/print/mod.rs",
        "print_dpop",
        "stdout, with the proof",
    ),
    ("helpers/docker.rs", "serve", "docker's stdout"),
    ("helpers/git.rs", "get", "git's stdout"),
    ("helpers/kubectl.rs", "serve", "kubectl's stdout"),
    ("helpers/terraform.rs", "serve", "Terraform's stdout"),
    (
        "oauth/dpop.rs",
        "ath",
        "the proof's hash of the access token (RFC 9449)",
    ),
    (
        "oauth/grant/authorization_code.rs",
        "exchange_request",
        "the form body",
    ),
    ("oauth/grant/device.rs", "poll_request", "the form body"),
    ("oauth/grant/refresh.rs", "request", "the form body"),
    (
        "oauth/grant/workload_identity.rs",
        "decode",
        "reading the CI token's claims",
    ),
    (
        "oauth/grant/workload_identity.rs",
        "github",
        "the CI request's bearer",
    ),
    ("oauth/grant/workload_identity.rs", "form", "the form body"),
    (
        "oauth/http.rs",
        "post_form",
        "HTTP Basic client authentication",
    ),
    ("oauth/pkce.rs", "challenge", "the S256 code challenge"),
    (
        "oauth/registration.rs",
        "delete",
        "the registration access token's bearer (RFC 7592)",
    ),
    (
        "oauth/pkcs11/mod.rs",
        "login",
        "a PKCS#11 token's PIN, to its module's C_Login",
    ),
    ("oauth/revoke.rs", "revoke_refresh_token", "the form body"),
    ("oauth/revoke.rs", "revoke_access_token", "the form body"),
    ("secret.rs", "fingerprint", "the digest safe to log"),
    (
        "commands/gcp.rs",
        "token",
        "stdout and Google's 0600 output file",
    ),
    (
        "helpers/aws.rs",
        "credential_process_json",
        "the AWS SDK's stdout",
    ),
    (
        "oauth/aws_sts.rs",
        "assume_role",
        "the STS request's form body",
    ),
    (
        "commands/whoami.rs",
        "run",
        "the claims decoded for display (no signature, no token shown)",
    ),
    (
        "session/idtoken.rs",
        "validate",
        "the ID token's validation, and at_hash over the access token",
    ),
    (
        "session/stepup.rs",
        "meets",
        "the claims of an ID token validated when it was obtained (acr, auth_time)",
    ),
    (
        "session/mod.rs",
        "userinfo",
        "the UserInfo request's bearer header",
    ),
    (
        "session/model.rs",
        "from_response",
        "the ID token's `exp`, decoded to keep its expiry",
    ),
    (
        "session/model.rs",
        "serving",
        "an ID token served in the bearer token's place",
    ),
    ("secret.rs", "same_as", "comparison"),
    ("secret.rs", "is_empty", "emptiness"),
    ("secret.rs", "duplicate", "a second holder"),
    (
        "secret.rs",
        "raw",
        "the store's serializer and the token cache",
    ),
];

/// The name of the function whose body holds byte `at` of `code`.
fn enclosing_fn(code: &str, at: usize) -> String {
    let b = code.as_bytes();
    code[..at]
        .match_indices("fn ")
        .filter(|(k, _)| *k == 0 || !is_ident(b[k - 1]))
        .last()
        .map(|(k, _)| {
            code[k + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn secrets_are_exposed_only_at_the_boundaries() {
    let mut found: Vec<(String, String)> = vec![];
    for f in read_src(&src_dir()) {
        for (at, _) in f.code.match_indices(".expose()") {
            let call = (f.path.clone(), enclosing_fn(&f.code, at));
            if !found.contains(&call) {
                found.push(call);
            }
        }
    }
    found.sort();
    let mut listed: Vec<(String, String)> = EXPOSE_BOUNDARIES
        .iter()
        .map(|(f, func, _)| (f.to_string(), func.to_string()))
        .collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "expose() outside the listed boundaries (use is_empty(), duplicate(), same_as(), \
         fingerprint()), or a boundary gone from the list in src/tidy.rs"
    );
}

/// OAuth error codes are compared as the typed `ErrorCode`, parsed once in `oauth/token.rs`:
/// no `"invalid_grant" =>` arm, `== "access_denied"` or `| "server_error"` anywhere else.
#[test]
fn oauth_error_codes_are_matched_typed() {
    let found: Vec<String> = read_src(&src_dir())
        .iter()
        .filter(|f| f.path != "oauth/token.rs")
        .flat_map(|f| {
            codes_matched_as_strings(&f.text)
                .into_iter()
                .map(move |c| format!("{}: {c}", f.path))
        })
        .collect();
    assert_eq!(
        found,
        Vec::<String>::new(),
        "match on oauth::token::ErrorCode"
    );
}

/// The OAuth error codes `text` compares as string literals (`"x" =>`, `| "x"`, `== "x"`).
fn codes_matched_as_strings(text: &str) -> Vec<String> {
    const CODES: [&str; 15] = [
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_target",
        "access_denied",
        "server_error",
        "temporarily_unavailable",
        "authorization_pending",
        "slow_down",
        "expired_token",
        "use_dpop_nonce",
        "invalid_dpop_proof",
    ];
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut found = vec![];
    for code in CODES {
        let lit = format!("\"{code}\"");
        for (at, _) in flat.match_indices(&lit) {
            let before = flat[..at].trim_end();
            let after = flat[at + lit.len()..].trim_start();
            if before.ends_with("==")
                || before.ends_with('|')
                || after.starts_with("=>")
                || after.starts_with('|')
                || after.starts_with("==")
            {
                found.push(lit.clone());
            }
        }
    }
    found
}

#[test]
fn no_file_is_over_600_lines() {
    let long: Vec<String> = read_src(&src_dir())
        .iter()
        // The unit tests at the end of a file do not count.
        .filter(|f| f.text.trim_end().lines().count() > 600)
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(long, NOT_YET_SPLIT, "split the file");
}

/// Functions allowed over [`MAX_FN_LINES`]: docs/ARCHITECTURE.md ("Long functions") says why
/// for each of the first two; the others are still to split (issue 18). An entry may outlive
/// its length; a long function not listed fails.
const LONG_FUNCTIONS: &[(&str, &str)] = &[
    ("oauth/loopback.rs", "handle"),
    ("commands/setup.rs", "terraform"),
    ("commands/login/mod.rs", "run"),
    ("session/serve.rs", "serve"),
    ("commands/token_file.rs", "watch"),
    ("helpers/docker.rs", "main"),
];

/// Lines a function's body may take, its signature and braces aside.
const MAX_FN_LINES: usize = 80;

/// Every function of `code` with the number of lines of its body.
fn function_lengths(code: &str) -> Vec<(String, usize)> {
    let b = code.as_bytes();
    let mut out = vec![];
    for (at, _) in code.match_indices("fn ") {
        if at > 0 && is_ident(b[at - 1]) {
            continue;
        }
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body opens at the first `{` before any `;` (a declaration without a body).
        let Some(open) = code[at..].find(['{', ';']).map(|k| at + k) else {
            continue;
        };
        if name.is_empty() || b[open] != b'{' {
            continue;
        }
        let mut depth = 0;
        let mut close = open;
        for (k, &c) in b.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let lines = code[open..close].lines().count().saturating_sub(1);
        out.push((name, lines));
    }
    out
}

#[test]
fn no_function_is_over_80_lines_unless_listed() {
    let mut long = vec![];
    for f in read_src(&src_dir()) {
        for (name, lines) in function_lengths(&f.code) {
            let listed = LONG_FUNCTIONS.contains(&(f.path.as_str(), name.as_str()));
            if lines > MAX_FN_LINES && !listed {
                long.push(format!("{}: {name} ({lines} lines)", f.path));
            }
        }
    }
    assert_eq!(
        long,
        Vec::<String>::new(),
        "split it, or say why in docs/ARCHITECTURE.md and list it in LONG_FUNCTIONS"
    );
}

#[cfg(test)]
mod self_tests {
    use super::*;

    fn file(path: &str, text: &str) -> File {
        File {
            path: path.into(),
            module: module_of(path),
            code: strip(text).0,
            text: text.into(),
        }
    }

    /// The arms `error.rs` had before issue 18 are found; producing a code's name is not.
    #[test]
    fn string_arms_on_oauth_codes_are_found() {
        let arms = "match error.as_str() {\n    \"invalid_client\" => a,\n    \"unauthorized_client\" | \"unsupported_grant_type\" => b,\n    _ if e == \"access_denied\" => c,\n}";
        assert_eq!(
            codes_matched_as_strings(arms),
            [
                "\"invalid_client\"",
                "\"unauthorized_client\"",
                "\"unsupported_grant_type\"",
                "\"access_denied\""
            ]
        );
        assert!(codes_matched_as_strings("refused(endpoint, \"invalid_grant\".into())").is_empty());
    }

    #[test]
    fn function_bodies_are_measured() {
        let code = "fn a() {\n    x();\n    y();\n}\nfn b();\nfn c() { if z { w() } }\n";
        assert_eq!(
            function_lengths(code),
            [("a".to_string(), 2), ("c".to_string(), 0)]
        );
    }

    #[test]
    fn use_trees_expand_to_each_path() {
        let u = use_items("pub use crate::a::{b, c::{d as e, self}};\nuse super::f;");
        let got: Vec<(String, String, bool)> = u
            .iter()
            .map(|u| (u.path.join("::"), u.name.clone(), u.public))
            .collect();
        assert_eq!(
            got,
            [
                ("crate::a::b".into(), "b".into(), true),
                ("crate::a::c::d".into(), "e".into(), true),
                ("crate::a::c".into(), "c".into(), true),
                ("super::f".into(), "f".into(), false),
            ]
        );
    }

    #[test]
    fn comments_strings_and_test_items_are_not_read() {
        let (code, test_mods, _) = strip(
            "// crate::a\nlet s = \"crate::b\"; let c = '\"';\n#[cfg(test)]\nmod tests { use crate::c; }\n#[cfg(test)]\nmod more;\nfn f<'a>() { crate::d::x(); }",
        );
        let paths: Vec<Vec<String>> = inline_paths(&code).into_iter().map(|(_, p)| p).collect();
        assert_eq!(paths, vec![vec!["crate", "d", "x"]]);
        assert_eq!(test_mods, ["more"]);
    }

    /// A circle through a re-export, and an arrow up the layers, are both found.
    #[test]
    fn a_circle_and_an_upward_arrow_are_found() {
        let files = [
            file("lib.rs", "mod session; mod paths; mod oauth;"),
            file("session/mod.rs", "mod refresh; pub use refresh::Refresh;"),
            file("session/refresh.rs", "use crate::paths::Paths;"),
            file("paths.rs", "pub struct Paths;"),
            file("oauth/mod.rs", "mod a; mod b;"),
            file("oauth/a.rs", "use super::b::B; pub struct A;"),
            file(
                "oauth/b.rs",
                "pub struct B(crate::oauth::a::A, crate::session::Refresh);",
            ),
        ];
        let g = graph(&files);
        assert_eq!(
            upward_arrows(&g),
            ["oauth/b.rs → session/refresh.rs (`oauth` is below `session`)"]
        );
        let c = circles(&g);
        assert_eq!(c, [vec!["oauth/a.rs".to_string(), "oauth/b.rs".into()]]);
        assert_eq!(
            one_circle(&g, &c[0]),
            "oauth/a.rs → oauth/b.rs → oauth/a.rs"
        );
    }
}
