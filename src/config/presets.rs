//! Presets: the endpoints, scopes and helper usernames of well-known providers, so that
//! `tok login --preset NAME` needs at most a `--client-id` (and `--issuer` for self-hosted
//! servers, `--tenant` for Entra ID).
//!
//! Each entry names the documentation it was taken from; README.md repeats the table.

use super::Flow;

/// A well-known provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// GitHub (github.com OAuth apps): device flow, fixed endpoints, no discovery
    Github,
    /// GitLab (gitlab.com, or self-managed with --issuer): OIDC discovery
    Gitlab,
    /// Google accounts: OIDC discovery
    Google,
    /// Microsoft Entra ID: OIDC discovery for --tenant (ID or domain)
    Entra,
    /// Bitbucket Cloud: fixed endpoints, browser flow
    Bitbucket,
    /// Gitea (self-hosted, --issuer required): OIDC discovery
    Gitea,
    /// Forgejo (codeberg.org, or self-hosted with --issuer): OIDC discovery
    Forgejo,
}

/// What a preset fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub issuer: String,
    pub scopes: Vec<String>,
    pub flow: Option<Flow>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    /// The username git sends with the token as password.
    pub git_username: Option<&'static str>,
    /// The username docker sends with the token as password.
    pub docker_username: Option<&'static str>,
}

/// Why a preset cannot be applied.
#[derive(Debug, PartialEq, Eq)]
pub enum PresetError {
    NeedsIssuer(&'static str),
    NeedsTenant,
}

impl std::fmt::Display for PresetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PresetError::NeedsIssuer(p) => {
                write!(f, "--preset {p} needs --issuer (the server's base URL)")
            }
            PresetError::NeedsTenant => write!(
                f,
                "--preset entra needs --tenant (a tenant ID or domain; `common` is not an issuer)"
            ),
        }
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Github => "github",
            Preset::Gitlab => "gitlab",
            Preset::Google => "google",
            Preset::Entra => "entra",
            Preset::Bitbucket => "bitbucket",
            Preset::Gitea => "gitea",
            Preset::Forgejo => "forgejo",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::value_variants()
            .iter()
            .copied()
            .find(|p| p.name() == name)
    }

    /// The username git sends with the token as password, if the provider wants a fixed one.
    pub fn git_username(self) -> Option<&'static str> {
        match self {
            Preset::Github => Some("x-access-token"),
            Preset::Gitlab | Preset::Gitea | Preset::Forgejo => Some("oauth2"),
            Preset::Bitbucket => Some("x-token-auth"),
            Preset::Google | Preset::Entra => None,
        }
    }

    /// The username docker sends with the token as password, if the registry wants a fixed one.
    pub fn docker_username(self) -> Option<&'static str> {
        match self {
            Preset::Github => Some("x-access-token"),
            Preset::Gitlab | Preset::Gitea | Preset::Forgejo => Some("oauth2"),
            Preset::Google => Some("oauth2accesstoken"),
            Preset::Entra => Some("00000000-0000-0000-0000-000000000000"),
            Preset::Bitbucket => None,
        }
    }

    /// Where the facts of this preset come from.
    pub fn source(self) -> &'static str {
        match self {
            Preset::Github => {
                "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps"
            }
            Preset::Gitlab => "https://docs.gitlab.com/api/oauth2/",
            Preset::Google => "https://developers.google.com/identity/protocols/oauth2/native-app",
            Preset::Entra => {
                "https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc"
            }
            Preset::Bitbucket => "https://developer.atlassian.com/cloud/bitbucket/oauth-2/",
            Preset::Gitea => "https://docs.gitea.com/development/oauth2-provider",
            Preset::Forgejo => "https://forgejo.org/docs/latest/user/oauth2-provider/",
        }
    }

    /// The settings for this preset; `issuer` overrides the default host of self-hostable
    /// servers, `tenant` is Entra's directory.
    pub fn settings(
        self,
        issuer: Option<&str>,
        tenant: Option<&str>,
    ) -> Result<Settings, PresetError> {
        let base = |default: &str| issuer.unwrap_or(default).trim_end_matches('/').to_string();
        let discovered = |issuer: String, scopes: &[&str]| Settings {
            issuer,
            scopes: strings(scopes),
            flow: None,
            authorization_endpoint: None,
            token_endpoint: None,
            device_authorization_endpoint: None,
            git_username: self.git_username(),
            docker_username: self.docker_username(),
        };
        Ok(match self {
            // GitHub publishes no discovery document; OAuth apps support the device flow.
            Preset::Github => {
                let b = base("https://github.com");
                Settings {
                    authorization_endpoint: Some(format!("{b}/login/oauth/authorize")),
                    token_endpoint: Some(format!("{b}/login/oauth/access_token")),
                    device_authorization_endpoint: Some(format!("{b}/login/device/code")),
                    flow: Some(Flow::Device),
                    ..discovered(b, &["repo", "read:packages"])
                }
            }
            Preset::Gitlab => discovered(
                base("https://gitlab.com"),
                &[
                    "openid",
                    "read_repository",
                    "write_repository",
                    "read_registry",
                ],
            ),
            Preset::Google => {
                discovered("https://accounts.google.com".into(), &["openid", "email"])
            }
            Preset::Entra => {
                let t = tenant.ok_or(PresetError::NeedsTenant)?;
                if matches!(t, "common" | "organizations" | "consumers") {
                    return Err(PresetError::NeedsTenant);
                }
                discovered(
                    format!("https://login.microsoftonline.com/{t}/v2.0"),
                    &["openid", "offline_access", "profile"],
                )
            }
            // Bitbucket Cloud: fixed endpoints, no device flow, no discovery.
            Preset::Bitbucket => Settings {
                authorization_endpoint: Some("https://bitbucket.org/site/oauth2/authorize".into()),
                token_endpoint: Some("https://bitbucket.org/site/oauth2/access_token".into()),
                flow: Some(Flow::Browser),
                ..discovered(
                    "https://bitbucket.org".into(),
                    &["repository", "repository:write"],
                )
            },
            Preset::Gitea => discovered(
                issuer
                    .ok_or(PresetError::NeedsIssuer("gitea"))?
                    .trim_end_matches('/')
                    .to_string(),
                &["openid", "read:repository", "write:repository"],
            ),
            Preset::Forgejo => discovered(
                base("https://codeberg.org"),
                &["openid", "read:repository", "write:repository"],
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_needs_no_discovery() {
        let s = Preset::Github.settings(None, None).unwrap();
        assert_eq!(s.issuer, "https://github.com");
        assert_eq!(
            s.token_endpoint.as_deref(),
            Some("https://github.com/login/oauth/access_token")
        );
        assert_eq!(
            s.device_authorization_endpoint.as_deref(),
            Some("https://github.com/login/device/code")
        );
        assert_eq!(s.flow, Some(Flow::Device));
    }

    #[test]
    fn self_hosted_and_tenants() {
        assert_eq!(
            Preset::Gitlab
                .settings(Some("https://git.example.com/"), None)
                .unwrap()
                .issuer,
            "https://git.example.com"
        );
        assert_eq!(
            Preset::Gitea.settings(None, None),
            Err(PresetError::NeedsIssuer("gitea"))
        );
        assert_eq!(
            Preset::Entra.settings(None, Some("common")),
            Err(PresetError::NeedsTenant)
        );
        assert_eq!(
            Preset::Entra
                .settings(None, Some("contoso.onmicrosoft.com"))
                .unwrap()
                .issuer,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"
        );
    }

    #[test]
    fn names_round_trip() {
        for p in <Preset as clap::ValueEnum>::value_variants() {
            assert_eq!(Preset::from_name(p.name()), Some(*p));
            assert!(p.source().starts_with("https://"));
        }
    }
}
