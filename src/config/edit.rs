//! Writing the config file: `tok login` creates or updates `[profiles.NAME]` without losing
//! the rest of the user's file (comments, formatting, other profiles).

use std::path::Path;

use super::{ConfigError, Flow, validate_name};

/// Fields `tok login` may write into a profile.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub flow: Option<Flow>,
    pub audience: Option<String>,
    pub dpop: Option<bool>,
    /// Endpoint overrides by key (`token_endpoint`, …) and the preset name, from `--preset`;
    /// the workload identity keys (`workload_identity`, `exchange`, …).
    pub extra: Vec<(&'static str, String)>,
    /// `--exchange-param KEY=VALUE`: replaces the profile's `exchange_params` table.
    pub exchange_params: Option<Vec<(String, String)>>,
    /// Authorization parameters: each sets its key in the profile's `auth_params` table (an
    /// empty value takes it out); the others stay.
    pub auth_params: Vec<(String, String)>,
    /// `--par`.
    pub par: Option<bool>,
    /// Whether `client_id` is tok's dynamic registration (`--resource-url`).
    pub dynamic_client: Option<bool>,
}

impl ProfileUpdate {
    pub fn is_empty(&self) -> bool {
        self.issuer.is_none()
            && self.client_id.is_none()
            && self.scopes.is_none()
            && self.flow.is_none()
            && self.audience.is_none()
            && self.dpop.is_none()
            && self.extra.is_empty()
            && self.exchange_params.is_none()
            && self.auth_params.is_empty()
            && self.par.is_none()
            && self.dynamic_client.is_none()
    }
}

/// Create or update `[profiles.NAME]`, keeping the rest of the user's file (comments,
/// formatting, other keys) as it was. Returns the new text.
pub fn upsert_profile(
    text: &str,
    path: &Path,
    name: &str,
    up: &ProfileUpdate,
) -> Result<String, ConfigError> {
    use toml_edit::{Array, DocumentMut, Item, Table, value};
    validate_name(name)?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            key: String::new(),
            message: e.message().to_string(),
        }
    })?;
    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| ConfigError::Parse {
            path: path.to_path_buf(),
            line: 0,
            key: "`profiles`: ".into(),
            message: "must be a table".into(),
        })?;
    let table = profiles
        .entry(name)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| ConfigError::Parse {
            path: path.to_path_buf(),
            line: 0,
            key: format!("`profiles.{name}`: "),
            message: "must be a table".into(),
        })?;
    if let Some(v) = &up.issuer {
        table["issuer"] = value(v.as_str());
    }
    if let Some(v) = &up.client_id {
        table["client_id"] = value(v.as_str());
    }
    if let Some(v) = &up.scopes {
        table["scopes"] = value(v.iter().map(String::as_str).collect::<Array>());
    }
    if let Some(v) = up.flow {
        table["flow"] = value(v.as_str());
    }
    if let Some(v) = &up.audience {
        table["audience"] = value(v.as_str());
    }
    if let Some(v) = up.dpop {
        table["dpop"] = value(v);
    }
    if let Some(v) = up.par {
        table["par"] = value(v);
    }
    if let Some(v) = up.dynamic_client {
        table["dynamic_client"] = value(v);
    }
    for (k, v) in &up.extra {
        table[*k] = value(v.as_str());
    }
    if let Some(params) = &up.exchange_params {
        let mut t = toml_edit::InlineTable::new();
        for (k, v) in params {
            t.insert(k, v.as_str().into());
        }
        table["exchange_params"] = value(t);
    }
    if !up.auth_params.is_empty() {
        merge_auth_params(table, &up.auth_params);
    }
    Ok(with_bom_of(text, doc.to_string()))
}

/// `auth_params` set into the profile's inline table: an empty value removes its key, the
/// user's other parameters stay.
fn merge_auth_params(table: &mut toml_edit::Table, params: &[(String, String)]) {
    let mut t = table
        .get("auth_params")
        .and_then(|i| {
            i.as_inline_table()
                .cloned()
                .or_else(|| i.as_table().map(|t| t.clone().into_inline_table()))
        })
        .unwrap_or_default();
    for (k, v) in params {
        if v.is_empty() {
            t.remove(k);
        } else {
            t.insert(k, v.as_str().into());
        }
    }
    table["auth_params"] = toml_edit::value(t);
}

/// What [`edit_list`] made of the file.
#[derive(Debug, PartialEq, Eq)]
pub enum ListEdit {
    /// The file has no `[profiles.NAME]` table.
    NoProfile,
    /// The list already says so: nothing to write.
    Unchanged,
    /// The new text of the file.
    Changed(String),
}

/// Add `value` to the list `key` of `[profiles.NAME]` (unless an entry `same` matches is there),
/// or with `None` remove every entry `same` matches, keeping the rest of the file byte for byte:
/// `tok setup` then `tok setup --remove` gives back the text the first was given, with three
/// exceptions: a list that was present and empty (`key = []`) goes with tok's last entry; a
/// file mixing CRLF and LF line breaks comes back with LF (but inside a multi-line string,
/// where a line break is content); and a `[profiles.NAME]`
/// header with nothing under it but sub-tables goes (see [`hide_emptied_header`]).
/// The list is edited in place, so its layout and the key's own spacing stay as they were. A
/// file that is not TOML, whose `key` is not a list, or that toml_edit would not write back as
/// it was (see [`reproduces`]) is refused.
pub fn edit_list(
    text: &str,
    name: &str,
    key: &str,
    same: impl Fn(&str) -> bool,
    value: Option<&str>,
) -> Result<ListEdit, String> {
    use toml_edit::{Array, DocumentMut, Item, value as v};
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    if !reproduces(text, &doc) {
        return Err(format!(
            "tok cannot edit this file without moving lines of yours (dotted keys of one table \
             apart from each other); edit `profiles.{name}.{key}` by hand"
        ));
    }
    let Some(table) = doc
        .get_mut("profiles")
        .and_then(|p| p.get_mut(name))
        .and_then(Item::as_table_like_mut)
    else {
        return Ok(ListEdit::NoProfile);
    };
    let Some(item) = table.get_mut(key) else {
        let Some(val) = value else {
            return Ok(ListEdit::Unchanged);
        };
        table.insert(key, v(Array::from_iter([val])));
        return Ok(ListEdit::Changed(line_endings_of(text, doc.to_string())));
    };
    let list = item
        .as_array_mut()
        .ok_or_else(|| format!("`profiles.{name}.{key}` is not a list"))?;
    match value {
        Some(val) => {
            if list.iter().any(|x| x.as_str().is_some_and(&same)) {
                return Ok(ListEdit::Unchanged);
            }
            list.push(val);
        }
        None => {
            let before = list.len();
            let suffix = list.decor().suffix().and_then(|s| s.as_str());
            let suffix = suffix.unwrap_or_default().to_string();
            list.retain(|x| !x.as_str().is_some_and(&same));
            if list.len() == before {
                return Ok(ListEdit::Unchanged);
            }
            if list.is_empty() {
                table.remove(key);
                if table.is_empty() {
                    restore_empty_inline(&mut doc, name, &suffix);
                }
                hide_emptied_header(&mut doc, name);
            }
        }
    }
    Ok(ListEdit::Changed(line_endings_of(text, doc.to_string())))
}

/// A profile table that `--remove` leaves with sub-tables only loses its `[profiles.NAME]`
/// header, as it had none before setup put `hosts` there (`[profiles.work.x]` alone). The one
/// documented exception: a header of the user's with nothing under it but sub-tables goes too
/// (the same document, one line less). See: issue 24 (found by `config_edit`).
fn hide_emptied_header(doc: &mut toml_edit::DocumentMut, name: &str) {
    let table = doc
        .get_mut("profiles")
        .and_then(|p| p.get_mut(name))
        .and_then(toml_edit::Item::as_table_mut);
    if let Some(t) = table
        && !t.is_empty()
        && t.iter()
            .all(|(_, v)| v.is_table() || v.is_array_of_tables())
    {
        t.set_implicit(true);
    }
}

/// A profile written as an inline table that `--remove` leaves empty gets back the blanks it
/// had inside its braces (`work = { }`). Setup wrote `{ hosts = [..] ` and then those blanks
/// before `}`, which a later parse reads as the list's suffix: that suffix less the one space
/// tok's entry brings. See: issue 24 (found by `config_edit`: `{ }` came back as `{}`).
fn restore_empty_inline(doc: &mut toml_edit::DocumentMut, name: &str, suffix: &str) {
    let inline = doc
        .get_mut("profiles")
        .and_then(|p| p.get_mut(name))
        .and_then(toml_edit::Item::as_inline_table_mut);
    if let Some(t) = inline {
        let before = t.trailing().as_str().unwrap_or_default();
        let blanks = format!("{}{before}", suffix.strip_prefix(' ').unwrap_or(suffix));
        t.set_trailing(blanks);
    }
}

/// Whether toml_edit writes `text`, parsed and left alone, back as it was (line breaks, a final
/// line break and a byte-order mark aside: [`line_endings_of`] restores those). It does not
/// when dotted keys of one table are split by another's (`a.x = 1`, `b.y = 2`, `a.z = 3`): it
/// writes a table's keys together, and an edit would move the user's lines. See: issue 24
/// (found by `config_edit`: setup then `--remove` swapped two such lines).
fn reproduces(text: &str, doc: &toml_edit::DocumentMut) -> bool {
    let norm = |s: &str| {
        let s = s
            .strip_prefix('\u{feff}')
            .unwrap_or(s)
            .replace("\r\n", "\n");
        s.strip_suffix('\n').map(str::to_string).unwrap_or(s)
    };
    norm(&doc.to_string()) == norm(text)
}

/// `edited` with the line endings of `original`: toml_edit writes `\n` only, and a file with
/// `\r\n` throughout must come back with `\r\n` (a file mixing both gets `\n`); and a file
/// whose last line has no line break keeps it that way (toml_edit ends a key it adds after that
/// line with one, which `--remove` would leave behind). A leading byte-order mark stays too.
fn line_endings_of(original: &str, edited: String) -> String {
    let mut out = edited;
    if !original.is_empty() && !original.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    let lf = original.matches('\n').count();
    if lf != 0 && original.matches("\r\n").count() == lf {
        out = out.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    with_bom_of(original, out)
}

/// `edited` starting with a byte-order mark when `original` does: toml_edit reads past one and
/// never writes it (found by the fuzz target `config_edit`: setup then `--remove` lost it).
fn with_bom_of(original: &str, edited: String) -> String {
    const BOM: char = '\u{feff}';
    if original.starts_with(BOM) && !edited.starts_with(BOM) {
        format!("{BOM}{edited}")
    } else {
        edited
    }
}

/// Write the config file (0600, atomically).
pub fn save(path: &Path, text: &str) -> Result<(), crate::paths::PathError> {
    crate::paths::write_private_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// See: issue 24. The list was rebuilt and inserted anew, so `hosts=["a"]` came back from
    /// setup and `--remove` as `hosts = ["a"]`.
    #[test]
    fn setup_then_remove_gives_back_the_text() {
        let same = |x: &str| x == "new.example";
        for text in [
            "[profiles.work]\nissuer=\"https://id.example\"\nhosts=[\"a\"]  # mine\n",
            "[profiles.work]\nhosts = [\n  \"a\",\n]\n[profiles.other]\n",
            "profiles.work.hosts=[]\n",
            "[profiles]\nwork = { issuer = \"x\" }\n",
            "[profiles.work]\n",
            // See: issue 24 (found by `config_edit`): toml_edit wrote CRLF files back with LF.
            "[profiles.work]\r\nissuer = \"https://id.example\"\r\n",
            // See: issue 24 (found by `config_edit`): a last line without a line break got one.
            "[profiles.work]\nregistries=[\"ghcr.io\"]  # mine",
            "[profiles.work]\nissuer = \"x\"",
            // See: issue 24 (found by `config_edit`): a byte-order mark was dropped.
            "\u{feff}[profiles.work]\nhosts = [\"a\"]\n",
            "\u{feff}[profiles.work]\r\nissuer = \"x\"\r\n",
            // See: issue 24 (found by `config_edit`): an empty inline table's inner spaces
            // were lost (`work = { }` came back as `work = {}`).
            "[profiles]\nwork = { } ",
            "[profiles]\nwork = {}\n",
            "[profiles]\nwork = {   }\n",
            "[profiles]\nwork = { issuer = \"x\"  }\n",
            // See: issue 24 (found by `config_edit`): setup's header stayed behind.
            "[profiles.work.x]\r\nissuer = \"y\"\r\n",
            "[profiles.work.x]\n[profiles.work.y]\n",
        ] {
            let ListEdit::Changed(added) =
                edit_list(text, "work", "hosts", same, Some("new.example")).unwrap()
            else {
                panic!("no change for {text:?}");
            };
            assert!(added.contains("new.example"), "{added}");
            let ListEdit::Changed(back) = edit_list(&added, "work", "hosts", same, None).unwrap()
            else {
                panic!("no removal for {added:?}");
            };
            if text.contains("hosts=[]") {
                // The documented exception: an empty list goes with tok's last entry.
                assert_eq!(back, "");
            } else {
                assert_eq!(back, text);
            }
        }
    }

    /// See: issue 24 (found by `config_edit`): the documented exception of `edit_list`.
    #[test]
    fn a_users_header_over_sub_tables_alone_goes_on_remove() {
        let text = "[profiles.work]\n[profiles.work.x]\nissuer = \"y\"\n";
        let ListEdit::Changed(added) =
            edit_list(text, "work", "hosts", |_| false, Some("h")).unwrap()
        else {
            panic!("no change");
        };
        let ListEdit::Changed(back) = edit_list(&added, "work", "hosts", |_| true, None).unwrap()
        else {
            panic!("no removal");
        };
        assert_eq!(back, "[profiles.work.x]\nissuer = \"y\"\n");
    }

    /// See: issue 24 (found by `config_edit`). toml_edit writes the dotted keys of one table
    /// together, so a file that splits them moved lines of the user's on setup; it is refused
    /// and left as it was.
    #[test]
    fn a_file_toml_edit_would_reorder_is_refused() {
        let text = "profiles.work.issuer = \"x\"\na.x = 1\nb.y = 2\na.z = 3\n";
        let e = edit_list(text, "work", "hosts", |_| false, Some("h")).unwrap_err();
        assert!(e.contains("by hand") && !e.contains('\n'), "{e}");
        let e = edit_list(text, "work", "hosts", |_| true, None).unwrap_err();
        assert!(e.contains("by hand"), "{e}");
        // Kept together, the same keys are edited.
        let text = "profiles.work.issuer = \"x\"\na.x = 1\na.z = 3\nb.y = 2\n";
        assert!(matches!(
            edit_list(text, "work", "hosts", |_| false, Some("h")),
            Ok(ListEdit::Changed(_))
        ));
    }

    /// See: issue 24. A value that was not a list was replaced by tok's list.
    #[test]
    fn a_key_that_is_no_list_is_refused() {
        let text = "[profiles.work]\nhosts = \"a\"\n";
        let e = edit_list(text, "work", "hosts", |_| false, Some("b")).unwrap_err();
        assert_eq!(e, "`profiles.work.hosts` is not a list");
        assert_eq!(
            edit_list("[profiles.other]\n", "work", "hosts", |_| false, Some("b")),
            Ok(ListEdit::NoProfile)
        );
        assert!(edit_list("[profiles", "work", "hosts", |_| false, Some("b")).is_err());
    }
}
