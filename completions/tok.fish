# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tok_global_optspecs
    string join \n config= store= v/verbose q/quiet json-errors h/help V/version
end

function __fish_tok_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tok_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tok_using_subcommand
    set -l cmd (__fish_tok_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tok -n "__fish_tok_needs_command" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_needs_command" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_needs_command" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_needs_command" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_needs_command" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_needs_command" -f -a "login" -d 'Log in and store the session in the keychain.'
complete -c tok -n "__fish_tok_needs_command" -f -a "print" -d 'Print a valid access token on stdout, refreshing it if needed.'
complete -c tok -n "__fish_tok_needs_command" -f -a "logout" -d 'Revoke the session at the provider and forget it locally.'
complete -c tok -n "__fish_tok_needs_command" -f -a "status" -d 'Show profiles and their sessions (never a token).'
complete -c tok -n "__fish_tok_needs_command" -f -a "profile" -d 'See and manage profiles without editing the config file by hand.'
complete -c tok -n "__fish_tok_needs_command" -f -a "completions" -d 'Print a shell completion script on stdout.'
complete -c tok -n "__fish_tok_needs_command" -f -a "stats" -d 'Refresh and request statistics from the audit log (never a token).'
complete -c tok -n "__fish_tok_needs_command" -f -a "exec" -d 'Run a command with a fresh access token in its environment (never in its arguments).'
complete -c tok -n "__fish_tok_needs_command" -f -a "aws-credential" -d 'Print AWS credentials for an AWS SDK\'s `credential_process`, from the session\'s token.'
complete -c tok -n "__fish_tok_needs_command" -f -a "gcp-credential" -d 'Print the session\'s token for Google Cloud, as an executable credential source.'
complete -c tok -n "__fish_tok_needs_command" -f -a "whoami" -d 'Who the session of a profile is: subject, issuer, name, username and email.'
complete -c tok -n "__fish_tok_needs_command" -f -a "git-credential" -d 'git credential helper: answer git with a fresh access token (see `tok setup git`).'
complete -c tok -n "__fish_tok_needs_command" -f -a "docker-credential" -d 'docker credential helper: answer docker, skopeo or podman with a fresh access token.'
complete -c tok -n "__fish_tok_needs_command" -f -a "kubectl-credential" -d 'kubectl exec plugin: print an ExecCredential with a fresh access token.'
complete -c tok -n "__fish_tok_needs_command" -f -a "terraform-credential" -d 'Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.'
complete -c tok -n "__fish_tok_needs_command" -f -a "setup" -d 'Configure git, docker, kubectl or Terraform to get their credentials from tok.'
complete -c tok -n "__fish_tok_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tok -n "__fish_tok_using_subcommand login" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l issuer -d 'Issuer URL (https://, or http:// for loopback hosts); saved in the profile' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l client-id -d 'OAuth client ID registered with the issuer; saved in the profile' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l scope -d 'Scope to request; repeat for several (include offline_access for a refresh token)' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l audience -d 'Resource the tokens are for (RFC 8707 `resource`); saved in the profile' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l dpop-key -d 'Bind the session to a key on a PKCS#11 token instead (an RFC 7512 URI, `pkcs11:token=NAME;object=LABEL`): proofs are signed on the token and the private key never enters tok; implies --dpop; saved in the profile as `dpop_key`' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l pkcs11-module -d 'The PKCS#11 module that reaches the token (e.g. /usr/lib/softhsm/libsofthsm2.so); saved in the profile as `pkcs11_module`' -r -F
complete -c tok -n "__fish_tok_using_subcommand login" -l timeout -d 'Give up after this long waiting for approval (e.g. 90s, 5m)' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l redirect-uri -d 'The browser flow\'s redirect URI: http://127.0.0.1:PORT/PATH, http://localhost:PORT/PATH or http://[::1]:PORT/PATH, for a server that matches the registered one exactly (port 0 or none: any free port, the default); a taken port fails, no other is tried; saved in the profile as `redirect_uri`' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l prompt -d 'Authorization request `prompt` (login, consent, select_account, none); saved in the profile\'s `auth_params`, like the options below (an empty value takes one out)' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l login-hint -d 'Authorization request `login_hint`: the account to sign in as (e.g. an email); saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l acr-values -d 'Authorization request `acr_values`: the authentication the server must perform (e.g. MFA), space-separated in order of preference; saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l max-age -d 'Authorization request `max_age`: sign in again if the last sign-in at the server is older than SECONDS; saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l ui-locales -d 'Authorization request `ui_locales`: languages for the sign-in pages (e.g. "fr en"); saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l auth-param -d 'Another authorization request parameter (Entra: domain_hint=example.com); repeat for several; the protocol\'s own (state, client_id, redirect_uri…) are refused; saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l resource-url -d 'Log in for this resource (e.g. https://api.example.com/mcp): tok reads its RFC 9728 metadata for the authorization server (--issuer picks one when it names several), registers itself there when no --client-id is given (RFC 7591; `tok logout` deletes the registration), and asks for tokens for the resource (RFC 8707); saved in the profile as `resource_url`' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l client-auth -d 'How the server authenticates this client instead of a shared secret (its token_endpoint_auth_method): private-key-jwt signs JWTs with the client\'s own key (register it: `tok profile jwks -p NAME` prints the JWK Set); tls-client-auth presents --client-cert, which the server matches by subject DN or SAN (RFC 8705, the default with --client-cert); self-signed-tls-client-auth presents a certificate registered in the client\'s JWKS; saved as `client_auth`' -r -f -a "private-key-jwt\t''
tls-client-auth\t''
self-signed-tls-client-auth\t''
none\t''"
complete -c tok -n "__fish_tok_using_subcommand login" -l client-cert -d 'Mutual TLS (RFC 8705): present this PEM certificate (leaf first, chain may follow) to the provider instead of sending a client secret; needs --client-key; saved as `client_cert`' -r -F
complete -c tok -n "__fish_tok_using_subcommand login" -l client-key -d 'The client\'s private key, a PEM file readable by you alone (exit 8 otherwise): the key of --client-cert, or the key that signs private-key-jwt assertions (PKCS#8; without it, tok generates one and keeps it beside the session), or for either a P-256 key on a PKCS#11 token (`pkcs11:token=NAME;object=LABEL`; see --pkcs11-module); saved as `client_key`' -r -F
complete -c tok -n "__fish_tok_using_subcommand login" -l client-key-alg -d 'The algorithm of the key tok generates: ES256 (P-256, default) or EdDSA (Ed25519); RS256 only with --client-key (tok cannot generate RSA keys); saved' -r -f -a "ES256\t''
EdDSA\t''
RS256\t''"
complete -c tok -n "__fish_tok_using_subcommand login" -l client-assertion-aud -d 'The assertions\' audience: issuer (default) or token-endpoint (for servers that want the token endpoint\'s URL); saved as `client_assertion_aud`' -r -f -a "issuer\t''
token-endpoint\t''"
complete -c tok -n "__fish_tok_using_subcommand login" -l preset -d 'Fill issuer, endpoints and scopes for a well-known provider (see README: Presets)' -r -f -a "github\t'GitHub (github.com OAuth apps): device flow, fixed endpoints, no discovery'
gitlab\t'GitLab (gitlab.com, or self-managed with --issuer): OIDC discovery'
google\t'Google accounts: OIDC discovery'
entra\t'Microsoft Entra ID: OIDC discovery for --tenant (ID or domain)'
bitbucket\t'Bitbucket Cloud: fixed endpoints, browser flow'
gitea\t'Gitea (self-hosted, --issuer required): OIDC discovery'
forgejo\t'Forgejo (codeberg.org, or self-hosted with --issuer): OIDC discovery'"
complete -c tok -n "__fish_tok_using_subcommand login" -l tenant -d 'Directory tenant for --preset entra (a tenant ID or domain)' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l workload-identity -d 'CI without secrets: exchange the job\'s identity token from SOURCE (github, env:NAME, file:PATH or auto) for each access token; nothing is stored; saved in the profile' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l exchange -d 'How the identity token is presented [default: token-exchange]; saved in the profile' -r -f -a "token-exchange\t'RFC 8693: `subject_token` + `subject_token_type` (Keycloak, Dex, Zitadel, Google STS, Auth0, Okta)'
jwt-bearer\t'RFC 7523 §2.1: the JWT as an authorization grant (`assertion`)'
client-assertion\t'RFC 7523 §2.2 with `client_credentials`: the JWT as the client\'s assertion (Microsoft Entra federated credentials)'"
complete -c tok -n "__fish_tok_using_subcommand login" -l ci-audience -d 'The audience to ask the CI platform for (GitHub) [default: the issuer URL]; saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l subject-token-type -d 'RFC 8693 subject_token_type [default: urn:ietf:params:oauth:token-type:jwt]; saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l exchange-param -d 'An extra form field of the exchange (Dex: connector_id=ID); repeat for several; saved' -r
complete -c tok -n "__fish_tok_using_subcommand login" -l ca-file -d 'Trust the CA certificates in this PEM file too (a private or TLS-inspecting CA); saved in the profile as `ca_file`' -r -F
complete -c tok -n "__fish_tok_using_subcommand login" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand login" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand login" -l device -d 'Use the device flow: a code to enter on another device (RFC 8628)'
complete -c tok -n "__fish_tok_using_subcommand login" -l browser -d 'Use the browser flow: authorization code + PKCE with a loopback redirect (RFC 8252)'
complete -c tok -n "__fish_tok_using_subcommand login" -l no-browser -d 'Do not open a browser; print the URL only'
complete -c tok -n "__fish_tok_using_subcommand login" -l dpop -d 'Bind the session to a new per-profile key with DPoP (RFC 9449); saved in the profile'
complete -c tok -n "__fish_tok_using_subcommand login" -l generate-key -d 'Generate the key pair on the token first: P-256, sensitive, not extractable; the --dpop-key\'s, else (without --dpop-key) the --client-key pkcs11:URI\'s'
complete -c tok -n "__fish_tok_using_subcommand login" -l pin-stdin -d 'Read the token\'s PIN from the first line of stdin (else it is asked at the terminal, or not at all when the token has its own PIN pad)'
complete -c tok -n "__fish_tok_using_subcommand login" -l par -d 'Push the authorization request to the server first (RFC 9126 PAR); the browser gets only a reference to it. Automatic when the server requires it; saved in the profile'
complete -c tok -n "__fish_tok_using_subcommand login" -l rotate-client-key -d 'Generate a new client key to sign with, keeping the previous one in the JWK Set (the oldest beyond that is dropped): register the new set, then log in'
complete -c tok -n "__fish_tok_using_subcommand login" -l paste -d 'Browser flow without a loopback listener: print the URL, read the redirected URL from stdin'
complete -c tok -n "__fish_tok_using_subcommand login" -l client-credentials -d 'Confidential client (RFC 6749 §4.4): secret from $TOK_CLIENT_SECRET, else one line on stdin'
complete -c tok -n "__fish_tok_using_subcommand login" -l refresh-token-stdin -d 'Seed the session from a refresh token read from stdin (e.g. a CI secret)'
complete -c tok -n "__fish_tok_using_subcommand login" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand login" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand login" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand login" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand print" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l min-ttl -d 'Refresh unless the token has at least this many seconds left' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l format -d 'What to print on stdout' -r -f -a "token\t'The access token and a newline'
header\t'`Authorization: Bearer TOKEN` (the token type as the server named it)'
json\t'{"access_token","token_type","expires_at","expires_in","scope"}'
env\t'TOK_ACCESS_TOKEN=… TOK_TOKEN_TYPE=… TOK_EXPIRES_AT=… lines for `eval`'
dpop\t'`Authorization: DPoP TOKEN` and `DPoP: PROOF` for one request (RFC 9449; needs --method and --url)'"
complete -c tok -n "__fish_tok_using_subcommand print" -l scope -d 'A down-scoped token: refresh with this scope (repeat for several); cached apart' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l audience -d 'A token for this resource (RFC 8707 `resource`); cached apart from the default token' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l acr-values -d 'A token from a sign-in at one of these authentication levels (space-separated `acr` values); without one held, logs in for it in a terminal (else exit 3)' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l max-age -d 'A token from a sign-in no older than this many seconds (step-up, as --acr-values)' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l method -d 'HTTP method of the request the DPoP proof is for (with --format dpop)' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l url -d 'URL of the request the DPoP proof is for (with --format dpop)' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l nonce -d 'The resource server\'s DPoP-Nonce, when it asked for one (with --format dpop)' -r
complete -c tok -n "__fish_tok_using_subcommand print" -l output -d 'Write the token to FILE (atomically, 0600) instead of stdout' -r -F
complete -c tok -n "__fish_tok_using_subcommand print" -l token -d 'Which token: the OAuth access token, or the OpenID Connect ID token (needs a login with the `openid` scope)' -r -f -a "access\t'The OAuth access token'
id\t'The OpenID Connect ID token (a JWT naming the person)'"
complete -c tok -n "__fish_tok_using_subcommand print" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand print" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand print" -l force-refresh -d 'Refresh now, even if the cached token is still valid'
complete -c tok -n "__fish_tok_using_subcommand print" -l pin-stdin -d 'Read the PIN of the session\'s PKCS#11 token from the first line of stdin. Otherwise a refresh asks for it at the terminal, and fails with exit 3 where there is none (never argv, environment or file)'
complete -c tok -n "__fish_tok_using_subcommand print" -l watch -d 'Keep FILE fresh: rewrite it before the token expires, until SIGTERM or SIGINT'
complete -c tok -n "__fish_tok_using_subcommand print" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand print" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand print" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand print" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand print" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand logout" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand logout" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand logout" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand logout" -l no-revoke -d 'Forget locally without revoking at the provider'
complete -c tok -n "__fish_tok_using_subcommand logout" -l json -d 'Print what happened as JSON on stdout: `revoked` is false when the grant may still be alive at the provider'
complete -c tok -n "__fish_tok_using_subcommand logout" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand logout" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand logout" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand logout" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand status" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand status" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand status" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand status" -l json -d 'Machine-readable output on stdout'
complete -c tok -n "__fish_tok_using_subcommand status" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand status" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand status" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand status" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -f -a "list" -d 'List the configured profiles, with whether each has a session.'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -f -a "show" -d 'Show one profile\'s settings and session state (never a token).'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -f -a "remove" -d 'Remove a profile: revoke and forget its session, delete it from the config file.'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -f -a "jwks" -d 'Print the public JWK Set of a private_key_jwt profile\'s client keys, to register.'
complete -c tok -n "__fish_tok_using_subcommand profile; and not __fish_seen_subcommand_from list show remove jwks help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -l json -d 'Machine-readable output on stdout'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -l json -d 'Machine-readable output on stdout'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -l no-revoke -d 'Forget the session locally without revoking it at the provider'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -l pin-stdin -d 'Read the PIN of the client key\'s PKCS#11 token from the first line of stdin (else it is asked at the terminal)'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from jwks" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the configured profiles, with whether each has a session.'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one profile\'s settings and session state (never a token).'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a profile: revoke and forget its session, delete it from the config file.'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "jwks" -d 'Print the public JWK Set of a private_key_jwt profile\'s client keys, to register.'
complete -c tok -n "__fish_tok_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tok -n "__fish_tok_using_subcommand completions" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand completions" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand completions" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand completions" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand completions" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand stats" -s p -l profile -d 'Only this profile [default: all profiles]' -r
complete -c tok -n "__fish_tok_using_subcommand stats" -l since -d 'Only events newer than this (e.g. 1h, 7d)' -r
complete -c tok -n "__fish_tok_using_subcommand stats" -l format -d 'Output format: `text`, `json` (as --json) or `prometheus` (text exposition format, for node_exporter\'s textfile collector)' -r -f -a "text\t'A table for humans'
json\t'One JSON object'
prometheus\t'Prometheus text exposition format (`# HELP`, `# TYPE`, base units, `_total` counters)'"
complete -c tok -n "__fish_tok_using_subcommand stats" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand stats" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand stats" -l json -d 'Machine-readable output on stdout'
complete -c tok -n "__fish_tok_using_subcommand stats" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand stats" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand stats" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand stats" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand exec" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l env -d 'Environment variable to put the token in; repeat for several [default: TOK_ACCESS_TOKEN, or TOK_ID_TOKEN with --token id]' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l keep-env -d 'Leave this standing credential in the command\'s environment (TOK_CLIENT_SECRET, the GitHub Actions request variables, a workload identity `env:NAME`); repeat for several' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l min-ttl -d 'Refresh unless the token has at least this many seconds left' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l scope -d 'A down-scoped token: refresh with this scope (repeat for several); cached apart' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l audience -d 'A token for this resource (RFC 8707 `resource`); cached apart from the default token' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l acr-values -d 'A token from a sign-in at one of these authentication levels (space-separated `acr` values); without one held, logs in for it in a terminal (else exit 3)' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l max-age -d 'A token from a sign-in no older than this many seconds (step-up, as --acr-values)' -r
complete -c tok -n "__fish_tok_using_subcommand exec" -l token -d 'Which token: the OAuth access token, or the OpenID Connect ID token' -r -f -a "access\t'The OAuth access token'
id\t'The OpenID Connect ID token (a JWT naming the person)'"
complete -c tok -n "__fish_tok_using_subcommand exec" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand exec" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand exec" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand exec" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand exec" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand exec" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l role-arn -d 'The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`' -r
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l session-name -d 'RoleSessionName (2-64 of letters, digits and `+=,.@_-`) [default: tok-PROFILE]' -r
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l duration -d 'How long the keys live, 900 to 43200 seconds [default: STS\'s, one hour]' -r
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l region -d 'The region whose STS endpoint to call [default: $AWS_REGION, else the global endpoint]' -r
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l token -d 'Which of the session\'s tokens to present as the web identity: the OpenID Connect ID token (its `aud` is the profile\'s client id; needs a login with the `openid` scope), or the access token (when the provider issues JWT access tokens)' -r -f -a "access\t'The OAuth access token'
id\t'The OpenID Connect ID token (a JWT naming the person)'"
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand aws-credential" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -l token -d 'Which of the session\'s tokens to hand out: the ID token (its `aud` is the profile\'s client id), or the access token when the provider issues JWT access tokens' -r -f -a "access\t'The OAuth access token'
id\t'The OpenID Connect ID token (a JWT naming the person)'"
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -l audience -d 'The pool provider this command was set up for (`tok setup gcp` writes it): a configuration whose audience (GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE) differs gets no token' -r
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -l service-account -d 'The service account this command was set up to be impersonated as (`tok setup gcp` writes it): a configuration impersonating another (or none) gets no token' -r
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand gcp-credential" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand whoami" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand whoami" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand whoami" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand whoami" -l userinfo -d 'Ask the provider\'s UserInfo endpoint (with the access token)'
complete -c tok -n "__fish_tok_using_subcommand whoami" -l json -d 'One JSON object on stdout'
complete -c tok -n "__fish_tok_using_subcommand whoami" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand whoami" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand whoami" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand git-credential" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand git-credential" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand git-credential" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand git-credential" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand git-credential" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand git-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand git-credential" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand docker-credential" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -l token -d 'Which token: the OAuth access token, or the OpenID Connect ID token [default: the profile\'s `kubectl_token`, else access]' -r -f -a "access\t'The OAuth access token'
id\t'The OpenID Connect ID token (a JWT naming the person)'"
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand kubectl-credential" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand terraform-credential" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "git" -d 'Serve a git host from a profile, through git\'s global config.'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "docker" -d 'Serve a registry from a profile, through docker\'s `credHelpers`.'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "kubectl" -d 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "terraform" -d 'Serve a Terraform host (module registry, remote backend) from a profile.'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "aws" -d 'Get an AWS profile\'s credentials from tok: `credential_process` in the AWS config file.'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "gcp" -d 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.'
complete -c tok -n "__fish_tok_using_subcommand setup; and not __fish_seen_subcommand_from git docker kubectl terraform aws gcp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -l host -d 'A host (https) or a URL with scheme, port and path prefix' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -l remove -d 'Undo: remove the host from the profile and tok\'s helper from git\'s config'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from git" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -l registry -d 'Registry host[:port], as in image names' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -l remove -d 'Undo: remove the registry from the profile and from credHelpers'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from docker" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -l token -d 'Which token kubectl gets: `id` for a cluster using Kubernetes\' OIDC authenticator (saved in the profile as `kubectl_token`)' -r -f -a "access\t'The OAuth access token'
id\t'The OpenID Connect ID token (a JWT naming the person)'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from kubectl" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -l host -d 'The host as Terraform names it: `host` or `host:port`' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -l remove -d 'Undo: remove the host from the profile, tok\'s block from the CLI configuration and the link'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from terraform" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -l role-arn -d 'The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -l aws-profile -d 'The AWS profile to configure (`default` for `[default]`)' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -l remove -d 'Undo: take tok\'s `credential_process` line out of the profile'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from aws" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -s p -l profile -d 'Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -l audience -d 'The workload identity pool provider: //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -l service-account -d 'The service account to impersonate (its email)' -r
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -l output -d 'Where to write the configuration' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -l config -d 'Config file [default: $XDG_CONFIG_HOME/tok/config.toml]' -r -F
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -l store -d 'Where sessions are kept [default: the store chosen at login, else auto]' -r -f -a "auto\t'Keychain, else kernel keyutils, else the file store with a warning'
keychain\t'The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager'
keyutils\t'The Linux kernel key retention service (session keyring)'
file\t'A 0600 JSON file under the data directory'"
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -s v -l verbose -d 'Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -l json-errors -d 'Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from gcp" -s V -l version -d 'Print version'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "git" -d 'Serve a git host from a profile, through git\'s global config.'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "docker" -d 'Serve a registry from a profile, through docker\'s `credHelpers`.'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "kubectl" -d 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "terraform" -d 'Serve a Terraform host (module registry, remote backend) from a profile.'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "aws" -d 'Get an AWS profile\'s credentials from tok: `credential_process` in the AWS config file.'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "gcp" -d 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.'
complete -c tok -n "__fish_tok_using_subcommand setup; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "login" -d 'Log in and store the session in the keychain.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "print" -d 'Print a valid access token on stdout, refreshing it if needed.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "logout" -d 'Revoke the session at the provider and forget it locally.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "status" -d 'Show profiles and their sessions (never a token).'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "profile" -d 'See and manage profiles without editing the config file by hand.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "completions" -d 'Print a shell completion script on stdout.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "stats" -d 'Refresh and request statistics from the audit log (never a token).'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "exec" -d 'Run a command with a fresh access token in its environment (never in its arguments).'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "aws-credential" -d 'Print AWS credentials for an AWS SDK\'s `credential_process`, from the session\'s token.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "gcp-credential" -d 'Print the session\'s token for Google Cloud, as an executable credential source.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "whoami" -d 'Who the session of a profile is: subject, issuer, name, username and email.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "git-credential" -d 'git credential helper: answer git with a fresh access token (see `tok setup git`).'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "docker-credential" -d 'docker credential helper: answer docker, skopeo or podman with a fresh access token.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "kubectl-credential" -d 'kubectl exec plugin: print an ExecCredential with a fresh access token.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "terraform-credential" -d 'Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "setup" -d 'Configure git, docker, kubectl or Terraform to get their credentials from tok.'
complete -c tok -n "__fish_tok_using_subcommand help; and not __fish_seen_subcommand_from login print logout status profile completions stats exec aws-credential gcp-credential whoami git-credential docker-credential kubectl-credential terraform-credential setup help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "list" -d 'List the configured profiles, with whether each has a session.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "show" -d 'Show one profile\'s settings and session state (never a token).'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "remove" -d 'Remove a profile: revoke and forget its session, delete it from the config file.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "jwks" -d 'Print the public JWK Set of a private_key_jwt profile\'s client keys, to register.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from setup" -f -a "git" -d 'Serve a git host from a profile, through git\'s global config.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from setup" -f -a "docker" -d 'Serve a registry from a profile, through docker\'s `credHelpers`.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from setup" -f -a "kubectl" -d 'Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from setup" -f -a "terraform" -d 'Serve a Terraform host (module registry, remote backend) from a profile.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from setup" -f -a "aws" -d 'Get an AWS profile\'s credentials from tok: `credential_process` in the AWS config file.'
complete -c tok -n "__fish_tok_using_subcommand help; and __fish_seen_subcommand_from setup" -f -a "gcp" -d 'Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.'
