
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tok' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tok'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tok' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in and store the session in the keychain.')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print a valid access token on stdout, refreshing it if needed.')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the session at the provider and forget it locally.')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show profiles and their sessions (never a token).')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'See and manage profiles without editing the config file by hand.')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script on stdout.')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Refresh and request statistics from the audit log (never a token).')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with a fresh access token in its environment (never in its arguments).')
            [CompletionResult]::new('aws-credential', 'aws-credential', [CompletionResultType]::ParameterValue, 'Print AWS credentials for an AWS SDK''s `credential_process`, from the session''s token.')
            [CompletionResult]::new('gcp-credential', 'gcp-credential', [CompletionResultType]::ParameterValue, 'Print the session''s token for Google Cloud, as an executable credential source.')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Who the session of a profile is: subject, issuer, name, username and email.')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'git credential helper: answer git with a fresh access token (see `tok setup git`).')
            [CompletionResult]::new('docker-credential', 'docker-credential', [CompletionResultType]::ParameterValue, 'docker credential helper: answer docker, skopeo or podman with a fresh access token.')
            [CompletionResult]::new('kubectl-credential', 'kubectl-credential', [CompletionResultType]::ParameterValue, 'kubectl exec plugin: print an ExecCredential with a fresh access token.')
            [CompletionResult]::new('terraform-credential', 'terraform-credential', [CompletionResultType]::ParameterValue, 'Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Configure git, docker, kubectl or Terraform to get their credentials from tok.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tok;login' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer URL (https://, or http:// for loopback hosts); saved in the profile')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth client ID registered with the issuer; saved in the profile')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to request; repeat for several (include offline_access for a refresh token)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'Resource the tokens are for (RFC 8707 `resource`); saved in the profile')
            [CompletionResult]::new('--dpop-key', '--dpop-key', [CompletionResultType]::ParameterName, 'Bind the session to a key on a PKCS#11 token instead (an RFC 7512 URI, `pkcs11:token=NAME;object=LABEL`): proofs are signed on the token and the private key never enters tok; implies --dpop; saved in the profile as `dpop_key`')
            [CompletionResult]::new('--pkcs11-module', '--pkcs11-module', [CompletionResultType]::ParameterName, 'The PKCS#11 module that reaches the token (e.g. /usr/lib/softhsm/libsofthsm2.so); saved in the profile as `pkcs11_module`')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long waiting for approval (e.g. 90s, 5m)')
            [CompletionResult]::new('--redirect-uri', '--redirect-uri', [CompletionResultType]::ParameterName, 'The browser flow''s redirect URI: http://127.0.0.1:PORT/PATH, http://localhost:PORT/PATH or http://[::1]:PORT/PATH, for a server that matches the registered one exactly (port 0 or none: any free port, the default); a taken port fails, no other is tried; saved in the profile as `redirect_uri`')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, 'Authorization request `prompt` (login, consent, select_account, none); saved in the profile''s `auth_params`, like the options below (an empty value takes one out)')
            [CompletionResult]::new('--login-hint', '--login-hint', [CompletionResultType]::ParameterName, 'Authorization request `login_hint`: the account to sign in as (e.g. an email); saved')
            [CompletionResult]::new('--acr-values', '--acr-values', [CompletionResultType]::ParameterName, 'Authorization request `acr_values`: the authentication the server must perform (e.g. MFA), space-separated in order of preference; saved')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Authorization request `max_age`: sign in again if the last sign-in at the server is older than SECONDS; saved')
            [CompletionResult]::new('--ui-locales', '--ui-locales', [CompletionResultType]::ParameterName, 'Authorization request `ui_locales`: languages for the sign-in pages (e.g. "fr en"); saved')
            [CompletionResult]::new('--auth-param', '--auth-param', [CompletionResultType]::ParameterName, 'Another authorization request parameter (Entra: domain_hint=example.com); repeat for several; the protocol''s own (state, client_id, redirect_uri…) are refused; saved')
            [CompletionResult]::new('--resource-url', '--resource-url', [CompletionResultType]::ParameterName, 'Log in for this resource (e.g. https://api.example.com/mcp): tok reads its RFC 9728 metadata for the authorization server (--issuer picks one when it names several), registers itself there when no --client-id is given (RFC 7591; `tok logout` deletes the registration), and asks for tokens for the resource (RFC 8707); saved in the profile as `resource_url`')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the server authenticates this client instead of a shared secret (its token_endpoint_auth_method): private-key-jwt signs JWTs with the client''s own key (register it: `tok profile jwks -p NAME` prints the JWK Set); tls-client-auth presents --client-cert, which the server matches by subject DN or SAN (RFC 8705, the default with --client-cert); self-signed-tls-client-auth presents a certificate registered in the client''s JWKS; saved as `client_auth`')
            [CompletionResult]::new('--client-cert', '--client-cert', [CompletionResultType]::ParameterName, 'Mutual TLS (RFC 8705): present this PEM certificate (leaf first, chain may follow) to the provider instead of sending a client secret; needs --client-key; saved as `client_cert`')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The client''s private key, a PEM file readable by you alone (exit 8 otherwise): the key of --client-cert, or the key that signs private-key-jwt assertions (PKCS#8; without it, tok generates one and keeps it beside the session), or for either a P-256 key on a PKCS#11 token (`pkcs11:token=NAME;object=LABEL`; see --pkcs11-module); saved as `client_key`')
            [CompletionResult]::new('--client-key-alg', '--client-key-alg', [CompletionResultType]::ParameterName, 'The algorithm of the key tok generates: ES256 (P-256, default) or EdDSA (Ed25519); RS256 only with --client-key (tok cannot generate RSA keys); saved')
            [CompletionResult]::new('--client-assertion-aud', '--client-assertion-aud', [CompletionResultType]::ParameterName, 'The assertions'' audience: issuer (default) or token-endpoint (for servers that want the token endpoint''s URL); saved as `client_assertion_aud`')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'Fill issuer, endpoints and scopes for a well-known provider (see README: Presets)')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Directory tenant for --preset entra (a tenant ID or domain)')
            [CompletionResult]::new('--workload-identity', '--workload-identity', [CompletionResultType]::ParameterName, 'CI without secrets: exchange the job''s identity token from SOURCE (github, env:NAME, file:PATH or auto) for each access token; nothing is stored; saved in the profile')
            [CompletionResult]::new('--exchange', '--exchange', [CompletionResultType]::ParameterName, 'How the identity token is presented [default: token-exchange]; saved in the profile')
            [CompletionResult]::new('--ci-audience', '--ci-audience', [CompletionResultType]::ParameterName, 'The audience to ask the CI platform for (GitHub) [default: the issuer URL]; saved')
            [CompletionResult]::new('--subject-token-type', '--subject-token-type', [CompletionResultType]::ParameterName, 'RFC 8693 subject_token_type [default: urn:ietf:params:oauth:token-type:jwt]; saved')
            [CompletionResult]::new('--exchange-param', '--exchange-param', [CompletionResultType]::ParameterName, 'An extra form field of the exchange (Dex: connector_id=ID); repeat for several; saved')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file too (a private or TLS-inspecting CA); saved in the profile as `ca_file`')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Use the device flow: a code to enter on another device (RFC 8628)')
            [CompletionResult]::new('--browser', '--browser', [CompletionResultType]::ParameterName, 'Use the browser flow: authorization code + PKCE with a loopback redirect (RFC 8252)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Do not open a browser; print the URL only')
            [CompletionResult]::new('--dpop', '--dpop', [CompletionResultType]::ParameterName, 'Bind the session to a new per-profile key with DPoP (RFC 9449); saved in the profile')
            [CompletionResult]::new('--generate-key', '--generate-key', [CompletionResultType]::ParameterName, 'Generate the key pair on the token first: P-256, sensitive, not extractable; the --dpop-key''s, else (without --dpop-key) the --client-key pkcs11:URI''s')
            [CompletionResult]::new('--pin-stdin', '--pin-stdin', [CompletionResultType]::ParameterName, 'Read the token''s PIN from the first line of stdin (else it is asked at the terminal, or not at all when the token has its own PIN pad)')
            [CompletionResult]::new('--par', '--par', [CompletionResultType]::ParameterName, 'Push the authorization request to the server first (RFC 9126 PAR); the browser gets only a reference to it. Automatic when the server requires it; saved in the profile')
            [CompletionResult]::new('--rotate-client-key', '--rotate-client-key', [CompletionResultType]::ParameterName, 'Generate a new client key to sign with, keeping the previous one in the JWK Set (the oldest beyond that is dropped): register the new set, then log in')
            [CompletionResult]::new('--paste', '--paste', [CompletionResultType]::ParameterName, 'Browser flow without a loopback listener: print the URL, read the redirected URL from stdin')
            [CompletionResult]::new('--client-credentials', '--client-credentials', [CompletionResultType]::ParameterName, 'Confidential client (RFC 6749 §4.4): secret from $TOK_CLIENT_SECRET, else one line on stdin')
            [CompletionResult]::new('--refresh-token-stdin', '--refresh-token-stdin', [CompletionResultType]::ParameterName, 'Seed the session from a refresh token read from stdin (e.g. a CI secret)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;print' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Refresh unless the token has at least this many seconds left')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A down-scoped token: refresh with this scope (repeat for several); cached apart')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A token for this resource (RFC 8707 `resource`); cached apart from the default token')
            [CompletionResult]::new('--acr-values', '--acr-values', [CompletionResultType]::ParameterName, 'A token from a sign-in at one of these authentication levels (space-separated `acr` values); without one held, logs in for it in a terminal (else exit 3)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'A token from a sign-in no older than this many seconds (step-up, as --acr-values)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method of the request the DPoP proof is for (with --format dpop)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'URL of the request the DPoP proof is for (with --format dpop)')
            [CompletionResult]::new('--nonce', '--nonce', [CompletionResultType]::ParameterName, 'The resource server''s DPoP-Nonce, when it asked for one (with --format dpop)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the token to FILE (atomically, 0600) instead of stdout')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Which token: the OAuth access token, or the OpenID Connect ID token (needs a login with the `openid` scope)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--force-refresh', '--force-refresh', [CompletionResultType]::ParameterName, 'Refresh now, even if the cached token is still valid')
            [CompletionResult]::new('--pin-stdin', '--pin-stdin', [CompletionResultType]::ParameterName, 'Read the PIN of the session''s PKCS#11 token from the first line of stdin. Otherwise a refresh asks for it at the terminal, and fails with exit 3 where there is none (never argv, environment or file)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep FILE fresh: rewrite it before the token expires, until SIGTERM or SIGINT')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;logout' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--no-revoke', '--no-revoke', [CompletionResultType]::ParameterName, 'Forget locally without revoking at the provider')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print what happened as JSON on stdout: `revoked` is false when the grant may still be alive at the provider')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;status' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;profile' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the configured profiles, with whether each has a session.')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one profile''s settings and session state (never a token).')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a profile: revoke and forget its session, delete it from the config file.')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Print the public JWK Set of a private_key_jwt profile''s client keys, to register.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tok;profile;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;profile;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;profile;remove' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--no-revoke', '--no-revoke', [CompletionResultType]::ParameterName, 'Forget the session locally without revoking it at the provider')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;profile;jwks' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--pin-stdin', '--pin-stdin', [CompletionResultType]::ParameterName, 'Read the PIN of the client key''s PKCS#11 token from the first line of stdin (else it is asked at the terminal)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;profile;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the configured profiles, with whether each has a session.')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one profile''s settings and session state (never a token).')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a profile: revoke and forget its session, delete it from the config file.')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Print the public JWK Set of a private_key_jwt profile''s client keys, to register.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tok;profile;help;list' {
            break
        }
        'tok;profile;help;show' {
            break
        }
        'tok;profile;help;remove' {
            break
        }
        'tok;profile;help;jwks' {
            break
        }
        'tok;profile;help;help' {
            break
        }
        'tok;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;stats' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this profile [default: all profiles]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Only this profile [default: all profiles]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events newer than this (e.g. 1h, 7d)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `text`, `json` (as --json) or `prometheus` (text exposition format, for node_exporter''s textfile collector)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;exec' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable to put the token in; repeat for several [default: TOK_ACCESS_TOKEN, or TOK_ID_TOKEN with --token id]')
            [CompletionResult]::new('--keep-env', '--keep-env', [CompletionResultType]::ParameterName, 'Leave this standing credential in the command''s environment (TOK_CLIENT_SECRET, the GitHub Actions request variables, a workload identity `env:NAME`); repeat for several')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'Refresh unless the token has at least this many seconds left')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A down-scoped token: refresh with this scope (repeat for several); cached apart')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A token for this resource (RFC 8707 `resource`); cached apart from the default token')
            [CompletionResult]::new('--acr-values', '--acr-values', [CompletionResultType]::ParameterName, 'A token from a sign-in at one of these authentication levels (space-separated `acr` values); without one held, logs in for it in a terminal (else exit 3)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'A token from a sign-in no older than this many seconds (step-up, as --acr-values)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Which token: the OAuth access token, or the OpenID Connect ID token')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;aws-credential' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`')
            [CompletionResult]::new('--session-name', '--session-name', [CompletionResultType]::ParameterName, 'RoleSessionName (2-64 of letters, digits and `+=,.@_-`) [default: tok-PROFILE]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the keys live, 900 to 43200 seconds [default: STS''s, one hour]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The region whose STS endpoint to call [default: $AWS_REGION, else the global endpoint]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Which of the session''s tokens to present as the web identity: the OpenID Connect ID token (its `aud` is the profile''s client id; needs a login with the `openid` scope), or the access token (when the provider issues JWT access tokens)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;gcp-credential' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Which of the session''s tokens to hand out: the ID token (its `aud` is the profile''s client id), or the access token when the provider issues JWT access tokens')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'The pool provider this command was set up for (`tok setup gcp` writes it): a configuration whose audience (GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE) differs gets no token')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'The service account this command was set up to be impersonated as (`tok setup gcp` writes it): a configuration impersonating another (or none) gets no token')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;whoami' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--userinfo', '--userinfo', [CompletionResultType]::ParameterName, 'Ask the provider''s UserInfo endpoint (with the access token)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;git-credential' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;docker-credential' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;kubectl-credential' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Which token: the OAuth access token, or the OpenID Connect ID token [default: the profile''s `kubectl_token`, else access]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;terraform-credential' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Serve a git host from a profile, through git''s global config.')
            [CompletionResult]::new('docker', 'docker', [CompletionResultType]::ParameterValue, 'Serve a registry from a profile, through docker''s `credHelpers`.')
            [CompletionResult]::new('kubectl', 'kubectl', [CompletionResultType]::ParameterValue, 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.')
            [CompletionResult]::new('terraform', 'terraform', [CompletionResultType]::ParameterValue, 'Serve a Terraform host (module registry, remote backend) from a profile.')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'Get an AWS profile''s credentials from tok: `credential_process` in the AWS config file.')
            [CompletionResult]::new('gcp', 'gcp', [CompletionResultType]::ParameterValue, 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tok;setup;git' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'A host (https) or a URL with scheme, port and path prefix')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Undo: remove the host from the profile and tok''s helper from git''s config')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup;docker' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--registry', '--registry', [CompletionResultType]::ParameterName, 'Registry host[:port], as in image names')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Undo: remove the registry from the profile and from credHelpers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup;kubectl' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Which token kubectl gets: `id` for a cluster using Kubernetes'' OIDC authenticator (saved in the profile as `kubectl_token`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup;terraform' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The host as Terraform names it: `host` or `host:port`')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Undo: remove the host from the profile, tok''s block from the CLI configuration and the link')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup;aws' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`')
            [CompletionResult]::new('--aws-profile', '--aws-profile', [CompletionResultType]::ParameterName, 'The AWS profile to configure (`default` for `[default]`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Undo: take tok''s `credential_process` line out of the profile')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup;gcp' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'The workload identity pool provider: //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER')
            [CompletionResult]::new('--service-account', '--service-account', [CompletionResultType]::ParameterName, 'The service account to impersonate (its email)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the configuration')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where sessions are kept [default: the store chosen at login, else auto]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on stderr but errors')
            [CompletionResult]::new('--json-errors', '--json-errors', [CompletionResultType]::ParameterName, 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tok;setup;help' {
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Serve a git host from a profile, through git''s global config.')
            [CompletionResult]::new('docker', 'docker', [CompletionResultType]::ParameterValue, 'Serve a registry from a profile, through docker''s `credHelpers`.')
            [CompletionResult]::new('kubectl', 'kubectl', [CompletionResultType]::ParameterValue, 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.')
            [CompletionResult]::new('terraform', 'terraform', [CompletionResultType]::ParameterValue, 'Serve a Terraform host (module registry, remote backend) from a profile.')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'Get an AWS profile''s credentials from tok: `credential_process` in the AWS config file.')
            [CompletionResult]::new('gcp', 'gcp', [CompletionResultType]::ParameterValue, 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tok;setup;help;git' {
            break
        }
        'tok;setup;help;docker' {
            break
        }
        'tok;setup;help;kubectl' {
            break
        }
        'tok;setup;help;terraform' {
            break
        }
        'tok;setup;help;aws' {
            break
        }
        'tok;setup;help;gcp' {
            break
        }
        'tok;setup;help;help' {
            break
        }
        'tok;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in and store the session in the keychain.')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print a valid access token on stdout, refreshing it if needed.')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the session at the provider and forget it locally.')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show profiles and their sessions (never a token).')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'See and manage profiles without editing the config file by hand.')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script on stdout.')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Refresh and request statistics from the audit log (never a token).')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with a fresh access token in its environment (never in its arguments).')
            [CompletionResult]::new('aws-credential', 'aws-credential', [CompletionResultType]::ParameterValue, 'Print AWS credentials for an AWS SDK''s `credential_process`, from the session''s token.')
            [CompletionResult]::new('gcp-credential', 'gcp-credential', [CompletionResultType]::ParameterValue, 'Print the session''s token for Google Cloud, as an executable credential source.')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Who the session of a profile is: subject, issuer, name, username and email.')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'git credential helper: answer git with a fresh access token (see `tok setup git`).')
            [CompletionResult]::new('docker-credential', 'docker-credential', [CompletionResultType]::ParameterValue, 'docker credential helper: answer docker, skopeo or podman with a fresh access token.')
            [CompletionResult]::new('kubectl-credential', 'kubectl-credential', [CompletionResultType]::ParameterValue, 'kubectl exec plugin: print an ExecCredential with a fresh access token.')
            [CompletionResult]::new('terraform-credential', 'terraform-credential', [CompletionResultType]::ParameterValue, 'Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Configure git, docker, kubectl or Terraform to get their credentials from tok.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tok;help;login' {
            break
        }
        'tok;help;print' {
            break
        }
        'tok;help;logout' {
            break
        }
        'tok;help;status' {
            break
        }
        'tok;help;profile' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the configured profiles, with whether each has a session.')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one profile''s settings and session state (never a token).')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a profile: revoke and forget its session, delete it from the config file.')
            [CompletionResult]::new('jwks', 'jwks', [CompletionResultType]::ParameterValue, 'Print the public JWK Set of a private_key_jwt profile''s client keys, to register.')
            break
        }
        'tok;help;profile;list' {
            break
        }
        'tok;help;profile;show' {
            break
        }
        'tok;help;profile;remove' {
            break
        }
        'tok;help;profile;jwks' {
            break
        }
        'tok;help;completions' {
            break
        }
        'tok;help;stats' {
            break
        }
        'tok;help;exec' {
            break
        }
        'tok;help;aws-credential' {
            break
        }
        'tok;help;gcp-credential' {
            break
        }
        'tok;help;whoami' {
            break
        }
        'tok;help;git-credential' {
            break
        }
        'tok;help;docker-credential' {
            break
        }
        'tok;help;kubectl-credential' {
            break
        }
        'tok;help;terraform-credential' {
            break
        }
        'tok;help;setup' {
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Serve a git host from a profile, through git''s global config.')
            [CompletionResult]::new('docker', 'docker', [CompletionResultType]::ParameterValue, 'Serve a registry from a profile, through docker''s `credHelpers`.')
            [CompletionResult]::new('kubectl', 'kubectl', [CompletionResultType]::ParameterValue, 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.')
            [CompletionResult]::new('terraform', 'terraform', [CompletionResultType]::ParameterValue, 'Serve a Terraform host (module registry, remote backend) from a profile.')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'Get an AWS profile''s credentials from tok: `credential_process` in the AWS config file.')
            [CompletionResult]::new('gcp', 'gcp', [CompletionResultType]::ParameterValue, 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.')
            break
        }
        'tok;help;setup;git' {
            break
        }
        'tok;help;setup;docker' {
            break
        }
        'tok;help;setup;kubectl' {
            break
        }
        'tok;help;setup;terraform' {
            break
        }
        'tok;help;setup;aws' {
            break
        }
        'tok;help;setup;gcp' {
            break
        }
        'tok;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
