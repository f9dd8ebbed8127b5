//! kubectl's `KUBERNETES_EXEC_INFO` (an `ExecCredential` kubectl passes to the plugin): tok
//! answers in v1 or v1beta1, or refuses with one line; the answer is one JSON line kubectl
//! reads back, in the version asked for, with the token as given.
//! No leak check: the variable holds no secret (kubectl sends the cluster, not a credential).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = std::str::from_utf8(data) else {
        return;
    };
    match tok::kubectl_api_version(Some(info)) {
        Err(msg) => tok_fuzz::assert_one_line(&msg),
        Ok(version) => {
            assert!(version.starts_with("client.authentication.k8s.io/v1"));
            let token = "t0k-\"quoted\"\n";
            let line = tok::exec_credential(version, token, Some(2_000_000_000), 0);
            assert!(!line.contains('\n'), "one line");
            let v: serde_json::Value = serde_json::from_str(&line).expect("tok writes JSON");
            assert_eq!(v["apiVersion"], version);
            assert_eq!(v["status"]["token"], token);
        }
    }
});
