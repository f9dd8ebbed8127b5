//! Mutual TLS client authentication (RFC 8705, issue 22): the real provider asks every HTTPS
//! client for a certificate and authenticates `tok-mtls` by its CA-issued certificate's SAN
//! (`tls_client_auth`) and `tok-mtls-self` by the self-signed certificate in its JWKS
//! (`self_signed_tls_client_auth`); both get access tokens bound to the certificate.

use std::path::{Path, PathBuf};

use crate::support::{Provider, Rig, Run, Tok};

/// An HTTPS rig whose provider does mutual TLS, with the self-signed client certificate in
/// `tok-mtls-self`'s JWKS.
fn mtls_rig() -> (Rig, Provider) {
    mtls_rig_with(&[])
}

/// [`mtls_rig`] with more of the provider's knobs.
fn mtls_rig_with(env: &[(&str, &str)]) -> (Rig, Provider) {
    let rig = Rig::https();
    let self_signed = rig.certs().unwrap().path("client-self.pem");
    let mut all = vec![("TOK_TEST_MTLS_SELF_SIGNED", self_signed.to_str().unwrap())];
    all.extend_from_slice(env);
    let provider = rig.provider_with(&all);
    (rig, provider)
}

fn cert(rig: &Rig, name: &str) -> PathBuf {
    rig.certs().unwrap().path(name)
}

/// `tok login -p NAME` as `client` with the certificate `pem` and its key `key`, through the
/// browser flow.
fn login(tok: &Tok, provider: &Provider, name: &str, client: &str, pem: &Path, key: &Path) -> Run {
    tok.login_to(provider, name)
        .client(client)
        .usual_scopes()
        .browser()
        .timeout("60s")
        .args(&["--client-cert", pem.to_str().unwrap()])
        .args(&["--client-key", key.to_str().unwrap()])
        .run()
}

/// RFC 8705 §3.1 `x5t#S256` of a PEM certificate, computed apart from tok (openssl for DER).
fn thumbprint(pem: &Path) -> String {
    use base64::Engine;
    use sha2::Digest;
    let out = std::process::Command::new("openssl")
        .args(["x509", "-outform", "der", "-in"])
        .arg(pem)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl x509: {out:?}");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&out.stdout))
}

/// The base64 lines of a PEM key: what a leak of the key would show.
fn key_canaries(key: &Path) -> Vec<String> {
    std::fs::read_to_string(key)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .map(str::to_string)
        .collect()
}

/// The key's contents appear in no output and no file of tok's.
fn assert_key_never_shown(tok: &Tok, key: &Path) {
    let canaries = key_canaries(key);
    assert!(!canaries.is_empty());
    tok.assert_no_leak(&canaries);
    for c in &canaries {
        assert!(
            tok.any_file_contains(c).is_empty(),
            "the client key is in a file of tok's"
        );
    }
}

/// The error is one line, followed by at most its hint (a login prints its progress before
/// it).
fn assert_one_line_and_a_hint(r: &Run) {
    let error = r
        .stderr
        .lines()
        .position(|l| l.starts_with("tok login: error: "))
        .unwrap_or_else(|| panic!("no error line: {r:?}"));
    // The fake browser's own log lines share the stream.
    let after: Vec<&str> = r
        .stderr
        .lines()
        .skip(error + 1)
        .filter(|l| !l.starts_with("[browser]"))
        .collect();
    assert!(
        after.len() <= 1 && after.iter().all(|l| l.starts_with("  hint: ")),
        "one line and a hint: {r:?}"
    );
}

fn token_requests(provider: &Provider) -> u64 {
    let stats = provider.stats();
    stats["token_requests"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum()
}

#[test]
fn tls_client_auth_logs_in_refreshes_with_rotation_and_logs_out() {
    let (rig, provider) = mtls_rig();
    let tok = rig.tok();
    let (pem, key) = (cert(&rig, "client.pem"), cert(&rig, "client.key"));
    let r = login(&tok, &provider, "m", "tok-mtls", &pem, &key);
    assert!(r.ok(), "{r:?}");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains(&format!("client_cert = \"{}\"", pem.display())),
        "{config}"
    );

    // The access token is bound to the certificate (RFC 8705 §3).
    let at = tok.print("m");
    let seen = provider.introspect(&at);
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["cnf"]["x5t#S256"], thumbprint(&pem), "{seen}");
    // `tok status` names the certificate and the thumbprint bound tokens carry.
    let r = tok.run(&["status", "-p", "m"]);
    assert!(
        r.ok()
            && r.stdout.contains(
                "mtls:     CN=tok-mtls-client,O=tok tests (tls_client_auth), valid until "
            )
            && r.stdout.contains(&format!("x5t#S256 {}", thumbprint(&pem))),
        "{r:?}"
    );
    // The code went to the token endpoint's mtls alias (RFC 8705 §5).
    let aliased = provider.stats()["mtls_alias_requests"].as_u64().unwrap();
    assert!(
        aliased >= 1,
        "the mtls_endpoint_aliases token endpoint was used"
    );

    // A refresh presents the certificate again; the refresh token rotates.
    let rt1 = tok.refresh_token("m");
    let r = tok.run(&["print", "-p", "m", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    let at2 = r.token();
    assert_ne!(at2, at);
    let rt2 = tok.refresh_token("m");
    assert_ne!(rt2, rt1, "the refresh token rotated");
    assert!(!provider.active(&rt1));
    assert_eq!(
        provider.introspect(&at2)["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );

    // Logout revokes at the revocation endpoint's alias, authenticated by the certificate.
    let before = provider.stats()["mtls_alias_requests"].as_u64().unwrap();
    let r = tok.run(&["logout", "-p", "m"]);
    assert!(r.ok() && r.stderr.contains("revoked"), "{r:?}");
    assert!(!provider.active(&rt2), "the refresh token is revoked");
    assert!(provider.stats()["mtls_alias_requests"].as_u64().unwrap() > before);
    assert_key_never_shown(&tok, &key);
    tok.assert_no_leak(&[at, at2, rt1, rt2]);
}

/// `self_signed_tls_client_auth`: login, a refresh, and racing refreshes that make one.
#[test]
fn self_signed_tls_client_auth_uses_the_certificate_in_the_clients_jwks() {
    let (rig, provider) = mtls_rig();
    let tok = rig.tok();
    let (pem, key) = (cert(&rig, "client-self.pem"), cert(&rig, "client-self.key"));
    let r = tok
        .login_to(&provider, "s")
        .client("tok-mtls-self")
        .usual_scopes()
        .browser()
        .timeout("60s")
        .args(&["--client-cert", pem.to_str().unwrap()])
        .args(&["--client-key", key.to_str().unwrap()])
        .args(&["--client-auth", "self-signed-tls-client-auth"])
        .run();
    assert!(r.ok(), "{r:?}");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains("client_auth = \"self_signed_tls_client_auth\""),
        "{config}"
    );
    let at = tok.print("s");
    assert_eq!(
        provider.introspect(&at)["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );
    let r = tok.run(&["print", "-p", "s", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    let at2 = r.token();
    assert_ne!(at2, at);

    // Racing refreshes: once the token has expired, four processes at once make one refresh
    // (the others wait on the lock and find the fresh token), each with the certificate.
    let refreshes = provider.refreshes();
    provider.set_access_ttl(2);
    let r = tok.run(&["print", "-p", "s", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    let short = r.token();
    provider.set_access_ttl(300);
    provider.wait_expired(&short);
    let tokens = tok.concurrently(4, &["print", "-p", "s"]);
    assert_eq!(
        provider.refreshes(),
        refreshes + 2,
        "one refresh for the four"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != short));
    assert_eq!(
        provider.introspect(&tokens[0])["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );
    assert_key_never_shown(&tok, &key);
}

/// The device flow: the device authorization and the polls go to their aliases with the
/// certificate (here a chain file, its key in SEC1 form); the session refreshes with it (at
/// `-vv`, which shows no key either).
#[test]
fn a_device_login_presents_the_certificate_too() {
    let (rig, provider) = mtls_rig_with(&[("TOK_TEST_DEVICE_INTERVAL", "1")]);
    let tok = rig.tok();
    let pem = cert(&rig, "client.pem");
    // The chain after the leaf, and the key in SEC1 (`BEGIN EC PRIVATE KEY`) form.
    let dir = tempfile::tempdir().unwrap();
    let (chain, key) = (dir.path().join("chain.pem"), dir.path().join("sec1.key"));
    let mut both = std::fs::read(&pem).unwrap();
    both.extend(std::fs::read(cert(&rig, "ca.pem")).unwrap());
    std::fs::write(&chain, both).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["ec", "-in"])
        .arg(cert(&rig, "client.key"))
        .arg("-out")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl ec: {out:?}");
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----")
    );
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    tok.login_to(&provider, "d")
        .client("tok-mtls")
        .usual_scopes()
        .device()
        .args(&["--client-cert", chain.to_str().unwrap()])
        .args(&["--client-key", key.to_str().unwrap()])
        .expect_success();
    let stats = provider.stats();
    assert_eq!(stats["device_authorizations"], 1, "{stats}");
    // The device authorization and at least the successful poll went to the aliases.
    assert!(
        stats["mtls_alias_requests"].as_u64().unwrap() >= 2,
        "{stats}"
    );
    let at = tok.print("d");
    assert_eq!(
        provider.introspect(&at)["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );
    let r = tok.run(&["print", "-p", "d", "--force-refresh", "-vv"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("/mtls/token"), "{r:?}");
    assert_eq!(
        provider.introspect(&r.token())["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );
    assert_key_never_shown(&tok, &key);
}

/// A certificate the server does not accept for the client: refused at the token endpoint,
/// one line and a hint, exit 8, and nothing stored.
#[test]
fn a_certificate_the_server_does_not_know_is_refused_and_nothing_is_stored() {
    let (rig, provider) = mtls_rig();
    // Signed by a CA the server does not trust; and a certificate the client's JWKS lacks.
    for (client, pem, key) in [
        ("tok-mtls", "untrusted.pem", "untrusted.key"),
        ("tok-mtls-self", "client.pem", "client.key"),
    ] {
        let tok = rig.tok();
        let (pem, key) = (cert(&rig, pem), cert(&rig, key));
        let r = login(&tok, &provider, "m", client, &pem, &key);
        assert_eq!(r.code, 8, "{client}: {r:?}");
        assert!(r.stderr.contains("invalid_client"), "{r:?}");
        assert_one_line_and_a_hint(&r);
        assert!(
            r.stderr.contains("certificate"),
            "the hint names the certificate: {r:?}"
        );
        assert!(!tok.path("data/tok/sessions/m.json").exists());
        assert_eq!(tok.run(&["print", "-p", "m"]).code, 3);
        assert_key_never_shown(&tok, &key);
    }
    assert!(provider.stats()["token_errors"]["invalid_client"].as_u64() >= Some(2));
}

/// An expired certificate: tok says so, naming its subject and dates, before sending anything.
#[test]
fn an_expired_client_certificate_is_refused_before_sending() {
    let (rig, provider) = mtls_rig();
    let tok = rig.tok();
    let (pem, key) = (cert(&rig, "expired.pem"), cert(&rig, "expired.key"));
    let r = login(&tok, &provider, "m", "tok-mtls", &pem, &key);
    assert_eq!(r.code, 8, "{r:?}");
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains(&pem.display().to_string())
            && first.contains("(CN=127.0.0.1)")
            && first.contains("it has expired (valid from ")
            && first.contains(" to "),
        "{r:?}"
    );
    assert!(r.stderr.lines().count() <= 2, "one line and a hint: {r:?}");
    assert_eq!(token_requests(&provider), 0, "nothing was sent");
    let stats = provider.stats();
    assert_eq!(stats["authorization_requests"].as_array().unwrap().len(), 0);
    assert!(!tok.path("data/tok/sessions/m.json").exists());
    assert_key_never_shown(&tok, &key);
}

/// A key file others can read is refused like a config file others can write (exit 8); a key
/// of another certificate is named as such. Neither gets near the network.
#[test]
fn a_client_key_others_can_read_or_of_another_certificate_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (rig, provider) = mtls_rig();
    let dir = tempfile::tempdir().unwrap();
    let open_key = dir.path().join("client.key");
    std::fs::copy(cert(&rig, "client.key"), &open_key).unwrap();
    std::fs::set_permissions(&open_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let pem = cert(&rig, "client.pem");
    let tok = rig.tok();
    let r = login(&tok, &provider, "m", "tok-mtls", &pem, &open_key);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains(&open_key.display().to_string())
            && r.stderr.contains("others can read it (mode 644)")
            && r.stderr.contains("chmod 600"),
        "{r:?}"
    );
    assert!(r.stderr.lines().count() <= 2, "one line and a hint: {r:?}");
    assert_key_never_shown(&tok, &open_key);

    let other = cert(&rig, "client-self.key");
    let tok = rig.tok();
    let r = login(&tok, &provider, "m", "tok-mtls", &pem, &other);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains("(CN=tok-mtls-client,O=tok tests)")
            && r.stderr.contains("does not belong to it"),
        "{r:?}"
    );
    assert_key_never_shown(&tok, &other);
    assert_eq!(token_requests(&provider), 0, "nothing was sent");
    assert!(!tok.path("data/tok/sessions/m.json").exists());
}

/// Client credentials over mutual TLS (RFC 8705 §2): no secret is asked for or kept; the form
/// names the client alone and the certificate authenticates it; the tokens are bound to the
/// certificate; a refresh mints a new token the same way, and the logout revokes it. A
/// certificate the server does not know for the client is refused in one line, nothing stored.
#[test]
fn client_credentials_over_mutual_tls_need_no_secret() {
    let (rig, provider) = mtls_rig();
    let tok = rig.tok();
    let (pem, key) = (cert(&rig, "client.pem"), cert(&rig, "client.key"));
    let cc = |name: &str, pem: &Path, key: &Path| {
        tok.login_to(&provider, name)
            .client("tok-mtls")
            .scope("api:read")
            .args(&["--client-credentials"])
            .args(&["--client-cert", pem.to_str().unwrap()])
            .args(&["--client-key", key.to_str().unwrap()])
    };
    // A certificate the server does not know for this client (another one's, self-signed).
    let (other_pem, other_key) = (cert(&rig, "client-self.pem"), cert(&rig, "client-self.key"));
    let r = cc("stranger", &other_pem, &other_key).expect_failure(8);
    assert!(r.stderr.contains("invalid_client"), "{r:?}");
    assert_one_line_and_a_hint(&r);
    assert!(!tok.path("data/tok/sessions/stranger.json").exists());

    let r = cc("svc", &pem, &key).run();
    assert!(r.ok(), "{r:?}");
    let session = tok.file_session("svc");
    assert!(
        session
            .get("client_secret")
            .is_none_or(|v| v.is_null() || v == ""),
        "{session}"
    );
    assert!(
        session.get("refresh_token").is_none_or(|v| v.is_null()),
        "{session}"
    );
    let at = tok.print("svc");
    let seen = provider.introspect(&at);
    assert_eq!(seen["client_id"], "tok-mtls", "{seen}");
    assert_eq!(seen["cnf"]["x5t#S256"], thumbprint(&pem), "{seen}");
    // A new token is minted over the same certificate, without a secret.
    let again = tok.run(&["print", "-p", "svc", "--force-refresh"]);
    assert!(again.ok(), "{again:?}");
    assert_ne!(again.token(), at);
    assert_eq!(
        provider.introspect(&again.token())["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );
    let r = tok.run(&["logout", "-p", "svc"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        !provider.active(&again.token()),
        "logout revoked the access token"
    );
    assert_key_never_shown(&tok, &key);
}

/// Mutual TLS with the certificate's key on a PKCS#11 token (SoftHSM2): `--client-key
/// pkcs11:URI` beside `--client-cert`; the handshake of the login and of a refresh is signed on
/// the token (rustls wants the ECDSA signature in DER, the token gives `R || S`), the tokens
/// are bound to the certificate, and without the PIN a refresh fails in one line.
#[test]
fn the_handshake_is_signed_by_a_key_on_a_pkcs11_token() {
    use crate::pkcs11::{MODULE, PIN, SoftHsm, uri};
    let (rig, provider) = mtls_rig();
    let hsm = SoftHsm::new();
    let (pem, key) = (cert(&rig, "client.pem"), cert(&rig, "client.key"));
    // The certificate's key imported onto the token, with its public key.
    let dir = tempfile::tempdir().unwrap();
    for (kind, file, extra) in [
        ("privkey", "k.der", None),
        ("pubkey", "pub.der", Some("-pubout")),
    ] {
        let out_file = dir.path().join(file);
        let mut c = std::process::Command::new("openssl");
        c.args(["pkey", "-outform", "DER", "-in"]).arg(&key);
        c.args(extra).arg("-out").arg(&out_file);
        assert!(c.status().unwrap().success());
        hsm.pkcs11_tool(&[
            "--write-object",
            out_file.to_str().unwrap(),
            "--type",
            kind,
            "--label",
            "mtls",
            "--id",
            "01",
        ]);
    }
    let tok = rig.tok().env("SOFTHSM2_CONF", hsm.conf().to_str().unwrap());
    let key_uri = uri("mtls");
    let r = tok
        .login_to(&provider, "hw")
        .client("tok-mtls")
        .usual_scopes()
        .browser()
        .timeout("60s")
        .args(&[
            "--client-cert",
            pem.to_str().unwrap(),
            "--client-key",
            &key_uri,
        ])
        .args(&["--pkcs11-module", MODULE, "--pin-stdin", "-v"])
        .stdin(&format!("{PIN}\n"))
        .run();
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("client certificate key: {key_uri}")),
        "{r:?}"
    );
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains(&format!("client_key = \"{key_uri}\"")),
        "{config}"
    );
    let at = tok.print("hw");
    let seen = provider.introspect(&at);
    assert_eq!(seen["client_id"], "tok-mtls", "{seen}");
    assert_eq!(seen["cnf"]["x5t#S256"], thumbprint(&pem), "{seen}");

    let r = tok.run_stdin(
        &["print", "-p", "hw", "--force-refresh", "--pin-stdin"],
        PIN,
    );
    assert!(r.ok(), "{r:?}");
    assert_ne!(r.token(), at);
    assert_eq!(
        provider.introspect(&r.token())["cnf"]["x5t#S256"],
        thumbprint(&pem)
    );
    // No PIN, no terminal: the handshake cannot be signed; one line, exit 3, nothing sent.
    let before = token_requests(&provider);
    let r = tok.run(&["print", "-p", "hw", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("needs its PIN"), "{r:?}");
    assert_eq!(token_requests(&provider), before);
    assert!(tok.any_file_contains(PIN).is_empty());
    tok.assert_no_leak(&[PIN.to_string()]);
}
