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
        let mut t = table
            .get("auth_params")
            .and_then(|i| {
                i.as_inline_table()
                    .cloned()
                    .or_else(|| i.as_table().map(|t| t.clone().into_inline_table()))
            })
            .unwrap_or_default();
        for (k, v) in &up.auth_params {
            if v.is_empty() {
                t.remove(k);
            } else {
                t.insert(k, v.as_str().into());
            }
        }
        table["auth_params"] = value(t);
    }
    Ok(doc.to_string())
}

/// Write the config file (0600, atomically).
pub fn save(path: &Path, text: &str) -> Result<(), crate::paths::PathError> {
    crate::paths::write_private_atomic(path, text.as_bytes())
}
