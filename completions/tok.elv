
use builtin;
use str;

set edit:completion:arg-completer[tok] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tok'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tok'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in and store the session in the keychain.'
            cand print 'Print a valid access token on stdout, refreshing it if needed.'
            cand logout 'Revoke the session at the provider and forget it locally.'
            cand status 'Show profiles and their sessions (never a token).'
            cand profile 'See and manage profiles without editing the config file by hand.'
            cand completions 'Print a shell completion script on stdout.'
            cand stats 'Refresh and request statistics from the audit log (never a token).'
            cand exec 'Run a command with a fresh access token in its environment (never in its arguments).'
            cand aws-credential 'Print AWS credentials for an AWS SDK''s `credential_process`, from the session''s token.'
            cand gcp-credential 'Print the session''s token for Google Cloud, as an executable credential source.'
            cand whoami 'Who the session of a profile is: subject, issuer, name, username and email.'
            cand git-credential 'git credential helper: answer git with a fresh access token (see `tok setup git`).'
            cand docker-credential 'docker credential helper: answer docker, skopeo or podman with a fresh access token.'
            cand kubectl-credential 'kubectl exec plugin: print an ExecCredential with a fresh access token.'
            cand terraform-credential 'Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.'
            cand setup 'Configure git, docker, kubectl or Terraform to get their credentials from tok.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tok;login'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --issuer 'Issuer URL (https://, or http:// for loopback hosts); saved in the profile'
            cand --client-id 'OAuth client ID registered with the issuer; saved in the profile'
            cand --scope 'Scope to request; repeat for several (include offline_access for a refresh token)'
            cand --audience 'Resource the tokens are for (RFC 8707 `resource`); saved in the profile'
            cand --dpop-key 'Bind the session to a key on a PKCS#11 token instead (an RFC 7512 URI, `pkcs11:token=NAME;object=LABEL`): proofs are signed on the token and the private key never enters tok; implies --dpop; saved in the profile as `dpop_key`'
            cand --pkcs11-module 'The PKCS#11 module that reaches the token (e.g. /usr/lib/softhsm/libsofthsm2.so); saved in the profile as `pkcs11_module`'
            cand --timeout 'Give up after this long waiting for approval (e.g. 90s, 5m)'
            cand --redirect-uri 'The browser flow''s redirect URI: http://127.0.0.1:PORT/PATH, http://localhost:PORT/PATH or http://[::1]:PORT/PATH, for a server that matches the registered one exactly (port 0 or none: any free port, the default); a taken port fails, no other is tried; saved in the profile as `redirect_uri`'
            cand --prompt 'Authorization request `prompt` (login, consent, select_account, none); saved in the profile''s `auth_params`, like the options below (an empty value takes one out)'
            cand --login-hint 'Authorization request `login_hint`: the account to sign in as (e.g. an email); saved'
            cand --acr-values 'Authorization request `acr_values`: the authentication the server must perform (e.g. MFA), space-separated in order of preference; saved'
            cand --max-age 'Authorization request `max_age`: sign in again if the last sign-in at the server is older than SECONDS; saved'
            cand --ui-locales 'Authorization request `ui_locales`: languages for the sign-in pages (e.g. "fr en"); saved'
            cand --auth-param 'Another authorization request parameter (Entra: domain_hint=example.com); repeat for several; the protocol''s own (state, client_id, redirect_uri…) are refused; saved'
            cand --resource-url 'Log in for this resource (e.g. https://api.example.com/mcp): tok reads its RFC 9728 metadata for the authorization server (--issuer picks one when it names several), registers itself there when no --client-id is given (RFC 7591; `tok logout` deletes the registration), and asks for tokens for the resource (RFC 8707); saved in the profile as `resource_url`'
            cand --client-auth 'How the server authenticates this client instead of a shared secret (its token_endpoint_auth_method): private-key-jwt signs JWTs with the client''s own key (register it: `tok profile jwks -p NAME` prints the JWK Set); tls-client-auth presents --client-cert, which the server matches by subject DN or SAN (RFC 8705, the default with --client-cert); self-signed-tls-client-auth presents a certificate registered in the client''s JWKS; saved as `client_auth`'
            cand --client-cert 'Mutual TLS (RFC 8705): present this PEM certificate (leaf first, chain may follow) to the provider instead of sending a client secret; needs --client-key; saved as `client_cert`'
            cand --client-key 'The client''s private key, a PEM file readable by you alone (exit 8 otherwise): the key of --client-cert, or the key that signs private-key-jwt assertions (PKCS#8; without it, tok generates one and keeps it beside the session), or for either a P-256 key on a PKCS#11 token (`pkcs11:token=NAME;object=LABEL`; see --pkcs11-module); saved as `client_key`'
            cand --client-key-alg 'The algorithm of the key tok generates: ES256 (P-256, default) or EdDSA (Ed25519); RS256 only with --client-key (tok cannot generate RSA keys); saved'
            cand --client-assertion-aud 'The assertions'' audience: issuer (default) or token-endpoint (for servers that want the token endpoint''s URL); saved as `client_assertion_aud`'
            cand --preset 'Fill issuer, endpoints and scopes for a well-known provider (see README: Presets)'
            cand --tenant 'Directory tenant for --preset entra (a tenant ID or domain)'
            cand --workload-identity 'CI without secrets: exchange the job''s identity token from SOURCE (github, env:NAME, file:PATH or auto) for each access token; nothing is stored; saved in the profile'
            cand --exchange 'How the identity token is presented [default: token-exchange]; saved in the profile'
            cand --ci-audience 'The audience to ask the CI platform for (GitHub) [default: the issuer URL]; saved'
            cand --subject-token-type 'RFC 8693 subject_token_type [default: urn:ietf:params:oauth:token-type:jwt]; saved'
            cand --exchange-param 'An extra form field of the exchange (Dex: connector_id=ID); repeat for several; saved'
            cand --ca-file 'Trust the CA certificates in this PEM file too (a private or TLS-inspecting CA); saved in the profile as `ca_file`'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --device 'Use the device flow: a code to enter on another device (RFC 8628)'
            cand --browser 'Use the browser flow: authorization code + PKCE with a loopback redirect (RFC 8252)'
            cand --no-browser 'Do not open a browser; print the URL only'
            cand --dpop 'Bind the session to a new per-profile key with DPoP (RFC 9449); saved in the profile'
            cand --generate-key 'Generate the key pair on the token first: P-256, sensitive, not extractable; the --dpop-key''s, else (without --dpop-key) the --client-key pkcs11:URI''s'
            cand --pin-stdin 'Read the token''s PIN from the first line of stdin (else it is asked at the terminal, or not at all when the token has its own PIN pad)'
            cand --par 'Push the authorization request to the server first (RFC 9126 PAR); the browser gets only a reference to it. Automatic when the server requires it; saved in the profile'
            cand --rotate-client-key 'Generate a new client key to sign with, keeping the previous one in the JWK Set (the oldest beyond that is dropped): register the new set, then log in'
            cand --paste 'Browser flow without a loopback listener: print the URL, read the redirected URL from stdin'
            cand --client-credentials 'Confidential client (RFC 6749 §4.4): secret from $TOK_CLIENT_SECRET, else one line on stdin'
            cand --refresh-token-stdin 'Seed the session from a refresh token read from stdin (e.g. a CI secret)'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;print'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --min-ttl 'Refresh unless the token has at least this many seconds left'
            cand --format 'What to print on stdout'
            cand --scope 'A down-scoped token: refresh with this scope (repeat for several); cached apart'
            cand --audience 'A token for this resource (RFC 8707 `resource`); cached apart from the default token'
            cand --acr-values 'A token from a sign-in at one of these authentication levels (space-separated `acr` values); without one held, logs in for it in a terminal (else exit 3)'
            cand --max-age 'A token from a sign-in no older than this many seconds (step-up, as --acr-values)'
            cand --method 'HTTP method of the request the DPoP proof is for (with --format dpop)'
            cand --url 'URL of the request the DPoP proof is for (with --format dpop)'
            cand --nonce 'The resource server''s DPoP-Nonce, when it asked for one (with --format dpop)'
            cand --output 'Write the token to FILE (atomically, 0600) instead of stdout'
            cand --token 'Which token: the OAuth access token, or the OpenID Connect ID token (needs a login with the `openid` scope)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --force-refresh 'Refresh now, even if the cached token is still valid'
            cand --pin-stdin 'Read the PIN of the session''s PKCS#11 token from the first line of stdin. Otherwise a refresh asks for it at the terminal, and fails with exit 3 where there is none (never argv, environment or file)'
            cand --watch 'Keep FILE fresh: rewrite it before the token expires, until SIGTERM or SIGINT'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;logout'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --no-revoke 'Forget locally without revoking at the provider'
            cand --json 'Print what happened as JSON on stdout: `revoked` is false when the grant may still be alive at the provider'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;status'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --json 'Machine-readable output on stdout'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;profile'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the configured profiles, with whether each has a session.'
            cand show 'Show one profile''s settings and session state (never a token).'
            cand remove 'Remove a profile: revoke and forget its session, delete it from the config file.'
            cand jwks 'Print the public JWK Set of a private_key_jwt profile''s client keys, to register.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tok;profile;list'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --json 'Machine-readable output on stdout'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;profile;show'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --json 'Machine-readable output on stdout'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;profile;remove'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --no-revoke 'Forget the session locally without revoking it at the provider'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;profile;jwks'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --pin-stdin 'Read the PIN of the client key''s PKCS#11 token from the first line of stdin (else it is asked at the terminal)'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;profile;help'= {
            cand list 'List the configured profiles, with whether each has a session.'
            cand show 'Show one profile''s settings and session state (never a token).'
            cand remove 'Remove a profile: revoke and forget its session, delete it from the config file.'
            cand jwks 'Print the public JWK Set of a private_key_jwt profile''s client keys, to register.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tok;profile;help;list'= {
        }
        &'tok;profile;help;show'= {
        }
        &'tok;profile;help;remove'= {
        }
        &'tok;profile;help;jwks'= {
        }
        &'tok;profile;help;help'= {
        }
        &'tok;completions'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;stats'= {
            cand -p 'Only this profile [default: all profiles]'
            cand --profile 'Only this profile [default: all profiles]'
            cand --since 'Only events newer than this (e.g. 1h, 7d)'
            cand --format 'Output format: `text`, `json` (as --json) or `prometheus` (text exposition format, for node_exporter''s textfile collector)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --json 'Machine-readable output on stdout'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;exec'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --env 'Environment variable to put the token in; repeat for several [default: TOK_ACCESS_TOKEN, or TOK_ID_TOKEN with --token id]'
            cand --keep-env 'Leave this standing credential in the command''s environment (TOK_CLIENT_SECRET, the GitHub Actions request variables, a workload identity `env:NAME`); repeat for several'
            cand --min-ttl 'Refresh unless the token has at least this many seconds left'
            cand --scope 'A down-scoped token: refresh with this scope (repeat for several); cached apart'
            cand --audience 'A token for this resource (RFC 8707 `resource`); cached apart from the default token'
            cand --acr-values 'A token from a sign-in at one of these authentication levels (space-separated `acr` values); without one held, logs in for it in a terminal (else exit 3)'
            cand --max-age 'A token from a sign-in no older than this many seconds (step-up, as --acr-values)'
            cand --token 'Which token: the OAuth access token, or the OpenID Connect ID token'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;aws-credential'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --role-arn 'The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`'
            cand --session-name 'RoleSessionName (2-64 of letters, digits and `+=,.@_-`) [default: tok-PROFILE]'
            cand --duration 'How long the keys live, 900 to 43200 seconds [default: STS''s, one hour]'
            cand --region 'The region whose STS endpoint to call [default: $AWS_REGION, else the global endpoint]'
            cand --token 'Which of the session''s tokens to present as the web identity: the OpenID Connect ID token (its `aud` is the profile''s client id; needs a login with the `openid` scope), or the access token (when the provider issues JWT access tokens)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;gcp-credential'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --token 'Which of the session''s tokens to hand out: the ID token (its `aud` is the profile''s client id), or the access token when the provider issues JWT access tokens'
            cand --audience 'The pool provider this command was set up for (`tok setup gcp` writes it): a configuration whose audience (GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE) differs gets no token'
            cand --service-account 'The service account this command was set up to be impersonated as (`tok setup gcp` writes it): a configuration impersonating another (or none) gets no token'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;whoami'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --userinfo 'Ask the provider''s UserInfo endpoint (with the access token)'
            cand --json 'One JSON object on stdout'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;git-credential'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;docker-credential'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;kubectl-credential'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --token 'Which token: the OAuth access token, or the OpenID Connect ID token [default: the profile''s `kubectl_token`, else access]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;terraform-credential'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand git 'Serve a git host from a profile, through git''s global config.'
            cand docker 'Serve a registry from a profile, through docker''s `credHelpers`.'
            cand kubectl 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.'
            cand terraform 'Serve a Terraform host (module registry, remote backend) from a profile.'
            cand aws 'Get an AWS profile''s credentials from tok: `credential_process` in the AWS config file.'
            cand gcp 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tok;setup;git'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --host 'A host (https) or a URL with scheme, port and path prefix'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --remove 'Undo: remove the host from the profile and tok''s helper from git''s config'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup;docker'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --registry 'Registry host[:port], as in image names'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --remove 'Undo: remove the registry from the profile and from credHelpers'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup;kubectl'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --token 'Which token kubectl gets: `id` for a cluster using Kubernetes'' OIDC authenticator (saved in the profile as `kubectl_token`)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup;terraform'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --host 'The host as Terraform names it: `host` or `host:port`'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --remove 'Undo: remove the host from the profile, tok''s block from the CLI configuration and the link'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup;aws'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --role-arn 'The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`'
            cand --aws-profile 'The AWS profile to configure (`default` for `[default]`)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand --remove 'Undo: take tok''s `credential_process` line out of the profile'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup;gcp'= {
            cand -p 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --profile 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]'
            cand --audience 'The workload identity pool provider: //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER'
            cand --service-account 'The service account to impersonate (its email)'
            cand --output 'Where to write the configuration'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]'
            cand --store 'Where sessions are kept [default: the store chosen at login, else auto]'
            cand -v 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand --verbose 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
            cand -q 'Print nothing on stderr but errors'
            cand --quiet 'Print nothing on stderr but errors'
            cand --json-errors 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tok;setup;help'= {
            cand git 'Serve a git host from a profile, through git''s global config.'
            cand docker 'Serve a registry from a profile, through docker''s `credHelpers`.'
            cand kubectl 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.'
            cand terraform 'Serve a Terraform host (module registry, remote backend) from a profile.'
            cand aws 'Get an AWS profile''s credentials from tok: `credential_process` in the AWS config file.'
            cand gcp 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tok;setup;help;git'= {
        }
        &'tok;setup;help;docker'= {
        }
        &'tok;setup;help;kubectl'= {
        }
        &'tok;setup;help;terraform'= {
        }
        &'tok;setup;help;aws'= {
        }
        &'tok;setup;help;gcp'= {
        }
        &'tok;setup;help;help'= {
        }
        &'tok;help'= {
            cand login 'Log in and store the session in the keychain.'
            cand print 'Print a valid access token on stdout, refreshing it if needed.'
            cand logout 'Revoke the session at the provider and forget it locally.'
            cand status 'Show profiles and their sessions (never a token).'
            cand profile 'See and manage profiles without editing the config file by hand.'
            cand completions 'Print a shell completion script on stdout.'
            cand stats 'Refresh and request statistics from the audit log (never a token).'
            cand exec 'Run a command with a fresh access token in its environment (never in its arguments).'
            cand aws-credential 'Print AWS credentials for an AWS SDK''s `credential_process`, from the session''s token.'
            cand gcp-credential 'Print the session''s token for Google Cloud, as an executable credential source.'
            cand whoami 'Who the session of a profile is: subject, issuer, name, username and email.'
            cand git-credential 'git credential helper: answer git with a fresh access token (see `tok setup git`).'
            cand docker-credential 'docker credential helper: answer docker, skopeo or podman with a fresh access token.'
            cand kubectl-credential 'kubectl exec plugin: print an ExecCredential with a fresh access token.'
            cand terraform-credential 'Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.'
            cand setup 'Configure git, docker, kubectl or Terraform to get their credentials from tok.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tok;help;login'= {
        }
        &'tok;help;print'= {
        }
        &'tok;help;logout'= {
        }
        &'tok;help;status'= {
        }
        &'tok;help;profile'= {
            cand list 'List the configured profiles, with whether each has a session.'
            cand show 'Show one profile''s settings and session state (never a token).'
            cand remove 'Remove a profile: revoke and forget its session, delete it from the config file.'
            cand jwks 'Print the public JWK Set of a private_key_jwt profile''s client keys, to register.'
        }
        &'tok;help;profile;list'= {
        }
        &'tok;help;profile;show'= {
        }
        &'tok;help;profile;remove'= {
        }
        &'tok;help;profile;jwks'= {
        }
        &'tok;help;completions'= {
        }
        &'tok;help;stats'= {
        }
        &'tok;help;exec'= {
        }
        &'tok;help;aws-credential'= {
        }
        &'tok;help;gcp-credential'= {
        }
        &'tok;help;whoami'= {
        }
        &'tok;help;git-credential'= {
        }
        &'tok;help;docker-credential'= {
        }
        &'tok;help;kubectl-credential'= {
        }
        &'tok;help;terraform-credential'= {
        }
        &'tok;help;setup'= {
            cand git 'Serve a git host from a profile, through git''s global config.'
            cand docker 'Serve a registry from a profile, through docker''s `credHelpers`.'
            cand kubectl 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.'
            cand terraform 'Serve a Terraform host (module registry, remote backend) from a profile.'
            cand aws 'Get an AWS profile''s credentials from tok: `credential_process` in the AWS config file.'
            cand gcp 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.'
        }
        &'tok;help;setup;git'= {
        }
        &'tok;help;setup;docker'= {
        }
        &'tok;help;setup;kubectl'= {
        }
        &'tok;help;setup;terraform'= {
        }
        &'tok;help;setup;aws'= {
        }
        &'tok;help;setup;gcp'= {
        }
        &'tok;help;help'= {
        }
    ]
    $completions[$command]
}
