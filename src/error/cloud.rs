//! The cloud credential errors' exit codes and hints (`tok aws-credential`, `tok setup aws`).

use super::Code;

/// AWS STS's refusals: what the account's trust setup must say, by error code.
pub(super) fn sts(e: &crate::oauth::StsError) -> (Code, Option<String>) {
    use crate::oauth::{StsCode as C, StsError as S};
    let trust = "the role's account must have an IAM OIDC identity provider for tok's issuer, with tok's client id as its audience";
    match e {
        S::Refused { code, .. } => match code {
            C::InvalidIdentityToken => (
                Code::Config,
                Some(format!("{trust}; see \"Cloud credentials\" in tok's README")),
            ),
            C::IdpRejectedClaim => (
                Code::Config,
                Some("the identity provider's audience list or the role's conditions refuse a claim of the token (aud, sub); compare them with `tok print --token id | cut -d. -f2 | base64 -d`".into()),
            ),
            C::AccessDenied => (
                Code::Denied,
                Some("the role's trust policy must allow sts:AssumeRoleWithWebIdentity for this issuer, audience and subject; check --role-arn".into()),
            ),
            C::ExpiredToken => (
                Code::LoginRequired,
                Some("the token had expired when STS read it: check this machine's clock, or run `tok login`".into()),
            ),
            C::IdpCommunication | C::Unavailable(_) => (
                Code::Unavailable,
                Some("AWS STS could not answer now; try again later".into()),
            ),
            C::Other(_) => (Code::Failure, None),
        },
        S::BadAnswer { .. } => (
            Code::BadResponse,
            Some("check the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, --region)".into()),
        ),
        S::Http(e) => super::oauth(e),
    }
}

pub(super) fn cloud(e: &crate::session::CloudError) -> (Code, Option<String>) {
    use crate::session::CloudError as C;
    match e {
        C::Busy { .. } => (
            Code::Busy,
            Some(format!(
                "another tok process may be stuck; retry, or raise {}",
                crate::settings::ENV_LOCK_TIMEOUT
            )),
        ),
        C::Lock { .. } => (Code::Failure, None),
    }
}

pub(super) fn aws_config(e: &crate::helpers::ConfigEditError) -> (Code, Option<String>) {
    use crate::helpers::ConfigEditError as A;
    match e {
        A::Taken { .. } => (
            Code::Config,
            Some("choose another --aws-profile, or remove that line first".into()),
        ),
        A::BadName(_) => (
            Code::Usage,
            Some("name the AWS profile as `aws --profile NAME` does".into()),
        ),
    }
}
