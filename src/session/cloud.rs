//! Cloud credentials made from the session's token: AWS keys from STS
//! `AssumeRoleWithWebIdentity`, kept in the private token cache (0600, the runtime directory)
//! until they near their expiration, and fetched by one process at a time per profile and role
//! — the others wait on the lock, re-read the cache and use what the first one fetched.

use std::fs::File;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use url::Url;

use super::Ctx;
use crate::config::Profile;
use crate::lockfile::{LockError, lock_until};
use crate::oauth::{AssumeRole, AwsCredentials, Network, StsError, sts_assume_role};
use crate::paths;
use crate::secret::{self, AccessToken, CloudCredential};

/// Hand out cached keys only while they live this much longer (SDKs such as botocore refresh
/// 15 minutes before expiry: keys closer to it than that would be asked for again at once),
/// or half their lifetime when that is shorter.
pub const AWS_LEEWAY: i64 = 16 * 60;

/// Where the keys come from and go: the profile, the role and the endpoint.
pub struct AwsTarget<'a> {
    pub profile: &'a Profile,
    pub role: &'a AssumeRole,
    pub endpoint: &'a Url,
    /// The session's token presented as the web identity.
    pub token: super::TokenKind,
}

impl AwsTarget<'_> {
    /// The cache and lock name: under the profile's (`logout` drops every `{profile}+…`
    /// cache), one per token kind, issuer, client, role, session name, duration and endpoint.
    pub fn key(&self) -> String {
        let r = self.role;
        let what = format!(
            "{:?}\n{}\n{}\n{}\n{}\n{:?}\n{}",
            self.token,
            self.profile.issuer_text,
            self.profile.client_id,
            r.role_arn,
            r.session_name,
            r.duration,
            self.endpoint
        );
        format!("{}+aws-{}", self.profile.name, secret::fingerprint(&what))
    }
}

/// The cache file's record.
#[derive(Serialize, Deserialize)]
struct CachedAws {
    role_arn: String,
    #[serde(serialize_with = "secret::serialize")]
    access_key_id: CloudCredential,
    #[serde(serialize_with = "secret::serialize")]
    secret_access_key: CloudCredential,
    #[serde(serialize_with = "secret::serialize")]
    session_token: CloudCredential,
    expiration: i64,
    obtained_at: i64,
}

/// Whether keys obtained at `obtained_at` and expiring at `expiration` may still be handed out.
pub fn fresh(expiration: i64, obtained_at: i64, now: i64) -> bool {
    let leeway = AWS_LEEWAY.min((expiration - obtained_at).max(0) / 2);
    now + leeway < expiration
}

/// The cached keys for `target`, if fresh.
pub fn cached_aws(ctx: &Ctx, target: &AwsTarget<'_>, now: i64) -> Option<AwsCredentials> {
    let bytes = paths::read_private(&ctx.paths.token_cache(&target.key())).ok()??;
    let c: CachedAws = serde_json::from_slice(&bytes).ok()?;
    (c.role_arn == target.role.role_arn && fresh(c.expiration, c.obtained_at, now)).then_some(
        AwsCredentials {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: c.expiration,
        },
    )
}

/// Keep `creds` for the next callers. A failure costs only an STS call, so it is reported
/// with `-v` and not returned.
pub fn keep_aws(ctx: &Ctx, target: &AwsTarget<'_>, creds: &AwsCredentials, now: i64) {
    let record = CachedAws {
        role_arn: target.role.role_arn.clone(),
        access_key_id: creds.access_key_id.clone(),
        secret_access_key: creds.secret_access_key.clone(),
        session_token: creds.session_token.clone(),
        expiration: creds.expiration,
        obtained_at: now,
    };
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&record).expect("a record serializes"));
    if let Err(e) = paths::write_private_replace(&ctx.paths.token_cache(&target.key()), &bytes) {
        ctx.printer
            .verbose(format!("could not write the AWS credential cache: {e}"));
    }
}

/// Why the keys could not be fetched in turn.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("another tok process asked AWS STS for profile `{profile}` for over {secs} s")]
    Busy { profile: String, secs: u64 },
    #[error("cannot lock {}: {detail}", .path.display())]
    Lock {
        path: std::path::PathBuf,
        detail: String,
    },
}

/// The lock one process holds while it asks STS for `target` (taken before the profile's own
/// lock when a refresh is needed too, never after it).
pub struct AwsLock(#[allow(dead_code)] File);

impl AwsLock {
    pub fn acquire(ctx: &Ctx, target: &AwsTarget<'_>) -> Result<Self, CloudError> {
        let profile = &target.profile.name;
        let secs = ctx.settings.lock_timeout.as_secs();
        let path = ctx.paths.lock_file(&target.key());
        let deadline = Instant::now() + ctx.settings.lock_timeout;
        let waiting = || {
            ctx.printer.verbose(format!(
                "waiting for another tok process asking AWS STS for profile `{profile}`"
            ))
        };
        match lock_until(&path, deadline, Duration::from_millis(15), waiting) {
            Ok(f) => Ok(Self(f)),
            Err(LockError::Busy) => Err(CloudError::Busy {
                profile: profile.clone(),
                secs,
            }),
            Err(LockError::Dir(e)) => Err(CloudError::Lock {
                path,
                detail: e.to_string(),
            }),
            Err(LockError::Open(e) | LockError::Lock(e)) => Err(CloudError::Lock {
                path,
                detail: e.to_string(),
            }),
        }
    }
}

/// Ask STS for keys with `token`. The endpoint is AWS's, not the provider's: the system roots
/// and the profile's proxy apply, not its `ca_file`.
pub fn assume_role(
    ctx: &Ctx,
    target: &AwsTarget<'_>,
    token: &AccessToken,
) -> Result<AwsCredentials, StsError> {
    let http = ctx.http();
    http.set_network(&Network {
        trust: Default::default(),
        proxy: target.profile.network.proxy.clone(),
    });
    let creds = sts_assume_role(http, target.endpoint, target.role, token);
    http.set_network(&target.profile.network);
    creds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_handed_out_until_the_leeway_before_expiry() {
        // One hour keys: fresh until 16 minutes before they expire.
        assert!(fresh(3600, 0, 3600 - AWS_LEEWAY - 1));
        assert!(!fresh(3600, 0, 3600 - AWS_LEEWAY));
        // Fifteen-minute keys: half their life.
        assert!(fresh(900, 0, 449));
        assert!(!fresh(900, 0, 450));
        // Expired, or obtained after their expiration (a skewed clock).
        assert!(!fresh(100, 200, 300));
    }
}
