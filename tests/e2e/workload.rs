//! `tok login --workload-identity`: CI without stored secrets, against the real test provider
//! (its token-exchange, jwt-bearer and client-assertion grants) trusting the test CI issuer
//! (tests/support/ci-issuer.mjs), with each source (github, env:, file:) and real git.
//!
//! See: issue 12.

use crate::fronts::Front;
use crate::git::{git_command, make_repo};
use crate::rig_net::{CiIssuer, trusting};
use crate::support::{Provider, Run, Tok, distinct};

/// A CI issuer and a provider trusting it (plus `env`).
pub(crate) fn rig(env: &[(&str, &str)]) -> (CiIssuer, Provider) {
    let ci = CiIssuer::start();
    let mut all: Vec<(&str, String)> = trusting(&ci);
    all.push(("TOK_TEST_QUIET", "1".into()));
    all.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
    let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let provider = Provider::start_with(&all);
    (ci, provider)
}

/// A tok in a GitHub Actions job with `permissions: id-token: write`.
fn in_actions(ci: &CiIssuer) -> Tok {
    Tok::new()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &ci.request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", CiIssuer::REQUEST_TOKEN)
}

fn login(tok: &Tok, provider: &Provider, extra: &[&str]) -> Run {
    tok.login_to(provider, "ci")
        .client("tok-ci")
        .args(extra)
        .run()
}

fn exchanges(provider: &Provider, method: &str) -> u64 {
    provider.stats()["exchanges"][method].as_u64().unwrap()
}

/// The provider's record of the exchange attempts, in order.
fn exchange_log(provider: &Provider) -> Vec<serde_json::Value> {
    provider.stats()["exchange_log"].as_array().unwrap().clone()
}

#[test]
fn github_login_shows_the_claims_stores_nothing_and_reexchanges_on_force_refresh() {
    let (ci, provider) = rig(&[]);
    let tok = in_actions(&ci);
    let r = login(&tok, &provider, &["--workload-identity", "github"]);
    assert!(r.ok(), "{r:?}");
    // The claims, on stderr, for display.
    assert!(r.stdout.is_empty(), "{r:?}");
    let iss = format!("iss: {}", ci.issuer);
    let aud = format!("aud: {}", provider.issuer);
    for want in [
        iss.as_str(),
        "sub: repo:acme/app:ref:refs/heads/main",
        &aud,
        "exp: ",
    ] {
        assert!(r.stderr.contains(want), "{want}: {r:?}");
    }
    assert_eq!(ci.stats()["tokens_issued"], 1);
    assert_eq!(exchanges(&provider, "token-exchange"), 1);
    // Nothing secret is stored: no session file, no keychain item (TOK_STORE=file here).
    assert!(!tok.path("data/tok/sessions/ci.json").exists());
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains("workload_identity = \"github\""),
        "{config}"
    );

    // The cached token serves `print`; no new identity token, no new exchange.
    let t1 = tok.print("ci");
    let info = provider.introspect(&t1);
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], CiIssuer::SUB);
    assert_eq!(info["gty"], "token-exchange");
    assert_eq!(ci.stats()["tokens_issued"], 1);
    // --force-refresh: a new identity token from GitHub, a new exchange.
    let r = tok.run(&["print", "-p", "ci", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    let t2 = r.token();
    assert_ne!(t1, t2);
    assert!(provider.active(&t2));
    assert_eq!(ci.stats()["tokens_issued"], 2);
    assert_eq!(exchanges(&provider, "token-exchange"), 2);
    // A public client: client_id in the form, no Authorization header (the provider's log
    // names the client it identified).
    assert!(
        exchange_log(&provider)
            .iter()
            .all(|e| e["client_id"] == "tok-ci" && e["outcome"] == "ok")
    );

    // status and stats: source, method, the last exchange; exchanges counted by grant.
    let r = tok.run(&["status", "-p", "ci", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let p = &v["profiles"][0];
    assert_eq!(p["logged_in"], true, "{r:?}");
    assert_eq!(p["grant"], "workload_identity", "{r:?}");
    assert_eq!(p["workload_identity"]["source"], "github");
    assert_eq!(p["workload_identity"]["method"], "token-exchange");
    assert_eq!(p["workload_identity"]["last_exchange"]["ok"], true);
    let r = tok.run(&["status", "-p", "ci"]);
    assert!(
        r.stdout.contains("identity: github (token-exchange)"),
        "{r:?}"
    );
    assert!(r.stdout.contains("exchange: "), "{r:?}");
    let r = tok.run(&["stats", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["refresh"]["by_grant"]["token-exchange"], 2, "{r:?}");
    assert_eq!(v["logins"], 1);

    // logout forgets the cache (and revokes the revocable access token).
    let r = tok.run(&["logout", "-p", "ci"]);
    assert!(r.ok(), "{r:?}");
    assert!(!provider.active(&t2), "the exchanged token was revoked");
    assert!(tok.any_file_contains(&t2).is_empty());
}

#[test]
fn github_without_the_id_token_permission_says_so() {
    let (ci, provider) = rig(&[]);
    // The workflow did not grant `permissions: id-token: write`: no Actions variables.
    let tok = Tok::new();
    let r = login(&tok, &provider, &["--workload-identity", "github"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains("ACTIONS_ID_TOKEN_REQUEST_URL is not set"),
        "{r:?}"
    );
    assert!(r.stderr.contains("permissions: id-token: write"), "{r:?}");
    // `auto` finds no CI platform and lists the options.
    let r = tok
        .login_profile("ci")
        .args(&["--workload-identity", "auto"])
        .expect_failure(8);
    assert!(
        r.stderr.contains("env:NAME") && r.stderr.contains("file:PATH"),
        "{r:?}"
    );
    // A wrong request token: the CI platform's refusal, named.
    let tok = Tok::new()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &ci.request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "not-the-request-token");
    let r = login(&tok, &provider, &["--workload-identity", "auto"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains("HTTP 401"), "{r:?}");
    assert_eq!(
        exchange_log(&provider).len(),
        0,
        "nothing reached the provider"
    );
}

#[test]
fn an_env_source_works_with_each_exchange_method() {
    let (ci, provider) = rig(&[]);
    for (method, aud) in [
        ("token-exchange", provider.issuer.as_str()),
        ("jwt-bearer", provider.issuer.as_str()),
        ("client-assertion", "api://AzureADTokenExchange"),
    ] {
        // GitLab: `id_tokens: CI_JOB_JWT_TOK: aud: …` puts the JWT in the variable named.
        let jwt = ci.mint(&[("aud", aud)]);
        let tok = Tok::new().env("CI_JOB_JWT_TOK", &jwt);
        let r = login(
            &tok,
            &provider,
            &[
                "--workload-identity",
                "env:CI_JOB_JWT_TOK",
                "--exchange",
                method,
            ],
        );
        assert!(r.ok(), "{method}: {r:?}");
        let t = tok.print("ci");
        let info = provider.introspect(&t);
        assert_eq!(info["active"], true, "{method}");
        assert_eq!(info["gty"], method);
        assert_eq!(exchanges(&provider, method), 1, "{method}");
        // env: gives the same value again: the next exchange presents it again.
        let r = tok.run(&["print", "-p", "ci", "--force-refresh"]);
        assert!(r.ok(), "{method}: {r:?}");
        assert_eq!(exchanges(&provider, method), 2, "{method}");
        tok.assert_no_leak(std::slice::from_ref(&jwt));
    }
    // --exchange-param and --subject-token-type are saved and sent.
    let jwt = ci.mint(&[("aud", &provider.issuer)]);
    let tok = Tok::new().env("ID", &jwt);
    let r = login(
        &tok,
        &provider,
        &[
            "--workload-identity",
            "env:ID",
            "--subject-token-type",
            "urn:ietf:params:oauth:token-type:id_token",
            "--exchange-param",
            "audience=https://api.test/",
        ],
    );
    assert!(r.ok(), "{r:?}");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains("subject_token_type = \"urn:ietf:params:oauth:token-type:id_token\""),
        "{config}"
    );
    assert!(
        config.contains("exchange_params = { audience = \"https://api.test/\" }"),
        "{config}"
    );
    // A custom subject_token_type this server does not know: its refusal, in one line.
    let r = tok
        .login_profile("ci")
        .args(&["--subject-token-type", "urn:example:custom"])
        .expect_failure(8);
    assert!(r.stderr.contains("invalid_request"), "{r:?}");
}

#[test]
fn a_file_source_is_read_again_at_each_exchange() {
    let (ci, provider) = rig(&[]);
    let tok = Tok::new();
    let file = tok.path("projected-token");
    let write = |sub: &str| {
        let jwt = ci.mint(&[("aud", &provider.issuer), ("sub", sub)]);
        std::fs::write(&file, format!("{jwt}\n")).unwrap();
        jwt
    };
    let first = write("repo:acme/app:ref:refs/heads/one");
    let source = format!("file:{}", file.display());
    let r = login(&tok, &provider, &["--workload-identity", &source]);
    assert!(r.ok(), "{r:?}");
    let t1 = tok.print("ci");
    assert_eq!(
        provider.introspect(&t1)["sub"],
        "repo:acme/app:ref:refs/heads/one"
    );
    // The platform rotates the file: the next exchange presents the new content.
    let second = write("repo:acme/app:ref:refs/heads/two");
    let r = tok.run(&["print", "-p", "ci", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        provider.introspect(&r.token())["sub"],
        "repo:acme/app:ref:refs/heads/two"
    );
    let subs: Vec<_> = exchange_log(&provider)
        .iter()
        .map(|e| e["sub"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        subs,
        [
            "repo:acme/app:ref:refs/heads/one",
            "repo:acme/app:ref:refs/heads/two"
        ]
    );
    tok.assert_no_leak(&[first, second]);
}

#[test]
fn an_expired_identity_token_is_refused_naming_its_source_and_expiry() {
    let (ci, provider) = rig(&[]);
    let jwt = ci.mint(&[("aud", &provider.issuer), ("ttl", "-60")]);
    let tok = Tok::new().env("GITLAB_ID", &jwt);
    let r = login(&tok, &provider, &["--workload-identity", "env:GITLAB_ID"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("the identity token from $GITLAB_ID expired at 20"),
        "{r:?}"
    );
    assert!(r.stderr.contains("hint:"), "{r:?}");
    assert_eq!(exchange_log(&provider).len(), 0, "tok did not send it");
    tok.assert_no_leak(&[jwt]);
}

#[test]
fn a_wrong_audience_is_refused_in_one_line_with_a_trust_hint() {
    let (ci, provider) = rig(&[]);
    let tok = in_actions(&ci);
    let r = login(
        &tok,
        &provider,
        &[
            "--workload-identity",
            "github",
            "--ci-audience",
            "https://wrong.test",
        ],
    );
    assert_eq!(r.code, 8, "{r:?}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "one error line and its hint: {r:?}");
    assert!(
        lines[0].contains("refused the token-exchange exchange (invalid_grant"),
        "{r:?}"
    );
    assert!(
        lines[0].contains("audience https://wrong.test is not accepted"),
        "{r:?}"
    );
    assert!(lines[1].contains("trust configuration"), "{r:?}");
    assert!(lines[1].contains("audience https://wrong.test"), "{r:?}");
    // A subject outside the trusted pattern: unauthorized_client, same shape.
    let jwt = ci.mint(&[
        ("aud", &provider.issuer),
        ("sub", "repo:evil/app:ref:refs/heads/main"),
    ]);
    let tok = Tok::new().env("ID", &jwt);
    let r = login(&tok, &provider, &["--workload-identity", "env:ID"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains("(unauthorized_client"), "{r:?}");
    assert!(r.stderr.contains("subject repo:evil/app"), "{r:?}");
    let outcomes: Vec<_> = exchange_log(&provider)
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, ["invalid_grant", "unauthorized_client"]);
}

#[test]
fn a_refresh_token_in_the_answer_is_ignored_and_stored_nowhere() {
    let (ci, provider) = rig(&[("TOK_TEST_EXCHANGE_REFRESH", "1")]);
    let tok = in_actions(&ci);
    let r = login(&tok, &provider, &["--workload-identity", "github", "-vv"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("ignored the refresh token"), "{r:?}");
    tok.print("ci");
    assert!(tok.run(&["print", "-p", "ci", "--force-refresh"]).ok());
    assert!(tok.any_file_contains("wi-rt-").is_empty());
    assert_eq!(provider.stats()["token_requests"]["refresh_token"], 0);
    assert_eq!(exchanges(&provider, "token-exchange"), 2);
}

#[test]
fn fifty_racing_prints_on_an_expired_token_cause_one_exchange() {
    let (ci, provider) = rig(&[]);
    let tok = in_actions(&ci);
    assert!(login(&tok, &provider, &["--workload-identity", "github"]).ok());
    // Expire the cached token without waiting (the cache is tok's own file).
    let cache = tok
        .files()
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.starts_with(tok.path("run")) && p.file_name().is_some_and(|n| n == "ci.json"))
        .expect("a token cache");
    let mut t: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    t["expires_at"] = serde_json::json!(t["obtained_at"].as_i64().unwrap() - 10);
    std::fs::write(&cache, serde_json::to_vec(&t).unwrap()).unwrap();
    let before = ci.stats()["tokens_issued"].as_u64().unwrap();
    let tokens = tok.concurrently(50, &["print", "-p", "ci"]);
    assert_eq!(
        distinct(&tokens).len(),
        1,
        "every process printed the same token"
    );
    assert_eq!(
        exchanges(&provider, "token-exchange"),
        2,
        "login + one exchange"
    );
    assert_eq!(ci.stats()["tokens_issued"].as_u64().unwrap(), before + 1);
    assert!(provider.active(&tokens[0]));
}

#[test]
fn git_clones_through_the_credential_helper_with_a_workload_identity() {
    let (ci, provider) = rig(&[]);
    let dir = tempfile::tempdir().unwrap();
    let repos = dir.path().join("repos");
    std::fs::create_dir_all(&repos).unwrap();
    let server = Front::start(
        "git-server.py",
        &[&provider.issuer, repos.to_str().unwrap()],
    );
    let gitconfig = dir.path().join("gitconfig");
    std::fs::write(
        &gitconfig,
        "[user]\n\tname = CI\n\temail = ci@example.com\n",
    )
    .unwrap();
    let tok = in_actions(&ci)
        .env("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap())
        .env("GIT_CONFIG_NOSYSTEM", "1");
    make_repo(&tok, &dir.path().join("seed"), &repos.join("repo.git"));

    assert!(login(&tok, &provider, &["--workload-identity", "github"]).ok());
    let base = format!("http://127.0.0.1:{}", server.port);
    let r = tok.setup("git", "ci", &["--host", &base]);
    assert!(r.ok(), "{r:?}");
    let clone = dir.path().join("clone");
    let url = format!("{base}/repo.git");
    let mut git = git_command(&tok, &["clone", "-q", &url, clone.to_str().unwrap()], None);
    let r = tok.record(git.output().unwrap());
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(clone.join("README")).unwrap(),
        "hello\n"
    );
    // The token came from the cache the login filled: no second exchange.
    assert_eq!(exchanges(&provider, "token-exchange"), 1);
}

#[test]
fn the_ci_platforms_endpoint_follows_the_tls_and_loopback_rules() {
    use crate::rig_net::TlsCerts;
    let certs = TlsCerts::generate();
    let ci = CiIssuer::start_tls(&certs, &[]);
    let ca = certs.ca();
    let provider = Provider::start_with(&[
        ("TOK_TEST_CI_ISSUER", ci.issuer.as_str()),
        ("NODE_EXTRA_CA_CERTS", ca.to_str().unwrap()),
        ("TOK_TEST_QUIET", "1"),
    ]);
    // A CA tok does not trust: the identity token cannot be fetched, and nothing is sent on.
    // A refused certificate is named and not retried (exit 10, as for any endpoint).
    let tok = in_actions(&ci).env("TOK_HTTP_DEADLINE", "2");
    let r = login(&tok, &provider, &["--workload-identity", "github"]);
    assert_eq!(r.code, 10, "{r:?}");
    assert!(
        r.stderr
            .contains("asking the CI platform for an identity token failed")
            && r.stderr.contains("signed by an unknown issuer"),
        "{r:?}"
    );
    assert_eq!(exchange_log(&provider).len(), 0);
    // Trusted through SSL_CERT_FILE, like every other endpoint.
    let tok = tok.env("SSL_CERT_FILE", certs.bundle().to_str().unwrap());
    let r = login(&tok, &provider, &["--workload-identity", "github"]);
    assert!(r.ok(), "{r:?}");
    assert!(provider.active(&tok.print("ci")));
    // Plain http is for loopback only: a job's URL on another host is refused before any request.
    let tok = Tok::new()
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "http://ci.example.com/token?api-version=2.0",
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", CiIssuer::REQUEST_TOKEN);
    let r = login(&tok, &provider, &["--workload-identity", "github"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr
            .contains("$ACTIONS_ID_TOKEN_REQUEST_URL must use https://"),
        "{r:?}"
    );
}

#[test]
fn a_client_assertion_for_the_wrong_audience_is_refused_with_the_providers_code() {
    let (ci, provider) = rig(&[]);
    // Entra wants `api://AzureADTokenExchange`; a token for the issuer is refused (401).
    let jwt = ci.mint(&[("aud", "https://wrong.test")]);
    let tok = Tok::new().env("AZ_TOKEN", &jwt);
    let r = login(
        &tok,
        &provider,
        &[
            "--workload-identity",
            "env:AZ_TOKEN",
            "--exchange",
            "client-assertion",
        ],
    );
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr
            .contains("refused the client-assertion exchange (invalid_client"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("hint: the server's trust configuration"),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 2, "{r:?}");
}
