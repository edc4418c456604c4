//! Unit tests of the policy schema, rules and protection checks.

use super::*;

#[test]
fn absolute_paths_of_both_systems_and_no_panic_on_non_ascii() {
    assert!(is_absolute(Path::new("/var/lib/sio")));
    assert!(is_absolute(Path::new("C:\\sio")));
    assert!(is_absolute(Path::new("d:/sio")));
    assert!(!is_absolute(Path::new("aЖ/x")));
    assert!(!is_absolute(Path::new("Ж:/x")));
    assert!(!is_absolute(Path::new("c:")));
}

const FULL: &str = r#"
[gateway]
url = "https://127.0.0.1:8443"
ca = "/etc/sio/gateway-ca.pem"

[workstation]
id = "WS-AST-0042"

[login]
second_factors = ["sms", "face"]
idle_lock_minutes = 10

[air_gap]
on_violation = "warn"
allowed_networks = ["10.20.0.0/16", "fd00::/8"]
probe_targets = ["10.20.0.1:443"]

[tokens]
pkcs11_modules = ["/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"]

[ui]
language = "kk"

[results]
export_dirs = ["/srv/case-materials"]
shred_after_view_minutes = 5
"#;

#[test]
fn full_policy_parses_and_round_trips() {
    let p = Policy::parse(FULL).unwrap();
    assert_eq!(p.login.second_factors, [Factor::Sms, Factor::Face]);
    assert_eq!(p.air_gap.on_violation, OnViolation::Warn);
    assert_eq!(p.ui.language, Language::Kk);
    assert!(p.air_gap.allowed_networks[0].contains("10.20.3.4".parse().unwrap()));
    assert!(!p.air_gap.allowed_networks[0].contains("10.21.0.1".parse().unwrap()));
    assert!(p.air_gap.allowed_networks[1].contains("fd12::1".parse().unwrap()));
    assert_eq!(Policy::parse(&p.to_toml()).unwrap(), p);
}

#[test]
fn minimal_policy_takes_defaults() {
    let p = Policy::parse("[gateway]\nurl = \"https://gw:8443\"\nca = \"/ca.pem\"\n").unwrap();
    assert_eq!(p.login.idle_lock_minutes, 15);
    assert_eq!(p.air_gap.on_violation, OnViolation::Refuse);
    assert_eq!(p.login.second_factors.len(), 3);
}

#[test]
fn refusals_have_codes() {
    let base = "[gateway]\nurl = \"https://gw:8443\"\nca = \"/ca.pem\"\n";
    let cases = [
        (
            "[gateway]\nurl = \"http://gw\"\nca = \"/ca\"\n",
            "POLICY_INVALID",
        ),
        ("[gateway]\nurl = 3\n", "POLICY_SYNTAX"),
        (
            &format!("{base}[login]\nidle_lock_minutes = 60\n"),
            "POLICY_INVALID",
        ),
        (
            &format!("{base}[login]\nsecond_factors = []\n"),
            "POLICY_INVALID",
        ),
        (
            &format!("{base}[air_gap]\nallowed_networks = [\"10.0.0.0/33\"]\n"),
            "POLICY_SYNTAX",
        ),
        (
            &format!("{base}[air_gap]\nprobe_targets = [\"host\"]\n"),
            "POLICY_INVALID",
        ),
        (
            &format!("{base}[workstation]\nkey = \"/k.pem\"\n"),
            "POLICY_INVALID",
        ),
        (&format!("{base}[unknown]\nx = 1\n"), "POLICY_SYNTAX"),
    ];
    for (text, code) in cases {
        assert_eq!(Policy::parse(text).unwrap_err().code(), code, "{text}");
    }
    let e = Policy::load(Path::new("/nonexistent/policy.toml")).unwrap_err();
    assert_eq!(e.code(), "POLICY_UNREADABLE");
}

#[test]
fn new_rules_are_checked() {
    let base = "[gateway]\nurl = \"https://gw:8443\"\nca = \"/ca.pem\"\n";
    let cases = [
        "[gateway]\nurl = \"https://gw:0\"\nca = \"/ca\"\n",
        "[gateway]\nurl = \"https://gw:8443\"\nca = \"ca.pem\"\n",
        &format!("{base}[tokens]\npkcs11_modules = []\n"),
        &format!("{base}[tokens]\npkcs11_modules = [\"opensc-pkcs11.so\"]\n"),
        &format!("{base}[results]\nexport_dirs = [\"/a\", \"/a\"]\n"),
        &format!("{base}[results]\nexport_dirs = [\"cases\"]\n"),
        &format!("{base}[login]\nsecond_factors = [\"sms\", \"sms\"]\n"),
        &format!("{base}[workstation]\nid = \"WS 1\"\n"),
        &format!("{base}[workstation]\ndata_dir = \"data\"\n"),
        &format!("{base}[updates]\nvendor_keys = [\"AAAA\"]\n"),
    ];
    for text in cases {
        assert_eq!(
            Policy::parse(text).unwrap_err().code(),
            "POLICY_INVALID",
            "{text}"
        );
    }
    let two = Policy {
        login: Login {
            idle_lock_minutes: 99,
            second_factors: vec![],
        },
        ..Policy::parse(base).unwrap()
    };
    assert_eq!(two.problems().len(), 2);
    let key = "ZmFrZS12ZW5kb3Ita2V5LW9mLTMyLWJ5dGVzLWxvbmc=";
    let p = Policy::parse(&format!(
        "{base}[updates]\nvendor_keys = [\"{key}\"]\n[air_gap]\nallowed_gateways = [\"10.20.0.1\"]\n"
    ))
    .unwrap();
    assert_eq!(&p.vendor_keys()[0], b"fake-vendor-key-of-32-bytes-long");
    assert_eq!(p.air_gap.allowed_gateways.len(), 1);
    // A policy written for Windows is checked on Linux too.
    assert!(
        Policy::parse("[gateway]\nurl = \"https://gw\"\nca = 'C:\\ProgramData\\SIO\\ca.pem'\n")
            .is_ok()
    );
}

/// The attack of issue 16: a policy reached through a symbolic link, or in a directory the
/// user can write, passed because the check followed links (`canonicalize`). Every
/// component is now examined with `lstat`.
#[cfg(unix)]
#[test]
fn links_and_writable_directories_are_refused() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
    let mode = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    let base = std::env::temp_dir().join(format!("sio-policy-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    mode(&base, 0o755);
    let me = std::fs::metadata(&base).unwrap().uid();
    // Whether the directories above the test's own are protected (root's, or sticky).
    let protected_above = me == 0 || std::env::temp_dir().starts_with("/tmp");
    let text = "[gateway]\nurl = \"https://gw\"\nca = \"/ca.pem\"\n";
    let real_dir = base.join("real");
    std::fs::create_dir(&real_dir).unwrap();
    mode(&real_dir, 0o755);
    let real = real_dir.join("policy.toml");
    std::fs::write(&real, text).unwrap();
    mode(&real, 0o644);
    let code = |p: &Path| check_protection_for_owner(p, me).map_err(|e| e.code());
    let at_fault = |p: &Path| match check_protection_for_owner(p, me) {
        Err(PolicyError::NotProtected { path, .. }) => path,
        other => panic!("{}: {other:?}", p.display()),
    };
    if protected_above {
        assert_eq!(code(&real), Ok(()));
        // `..` and `.` inside a protected path.
        assert_eq!(code(&real_dir.join("../real/./policy.toml")), Ok(()));
    }

    // A symbolic link to a protected file, in a 0777 directory: refused (the directory).
    let open = base.join("open");
    std::fs::create_dir(&open).unwrap();
    mode(&open, 0o777);
    symlink(&real, open.join("policy.toml")).unwrap();
    assert_eq!(at_fault(&open.join("policy.toml")), open);
    // The same link in a protected directory: the link itself is refused.
    let closed = base.join("closed");
    std::fs::create_dir(&closed).unwrap();
    mode(&closed, 0o755);
    symlink(&real, closed.join("policy.toml")).unwrap();
    assert_eq!(
        at_fault(&closed.join("policy.toml")),
        closed.join("policy.toml")
    );
    // A group-writable directory above the file: refused.
    mode(&real_dir, 0o775);
    assert_eq!(at_fault(&real), real_dir);
    mode(&real_dir, 0o755);
    // A directory link on the way is followed after its owner is checked, and its target
    // is checked like any path: to the protected directory accepted, to the 0777 one not.
    symlink(&real_dir, base.join("via")).unwrap();
    symlink(&open, base.join("via-open")).unwrap();
    let in_open = open.join("plain.toml");
    std::fs::write(&in_open, text).unwrap();
    mode(&in_open, 0o644);
    if protected_above {
        assert_eq!(code(&base.join("via/policy.toml")), Ok(()));
    }
    assert_eq!(at_fault(&base.join("via-open/plain.toml")), open);
    // A path through the writable directory is refused even when it comes back out.
    assert_eq!(at_fault(&open.join("../real/policy.toml")), open);
    // Not a file.
    assert_eq!(code(&real_dir), Err("POLICY_NOT_PROTECTED"));
    assert_eq!(
        code(&real_dir.join("missing.toml")),
        Err("POLICY_UNREADABLE")
    );
    // A loop of links ends.
    symlink(base.join("loop-b"), base.join("loop-a")).unwrap();
    symlink(base.join("loop-a"), base.join("loop-b")).unwrap();
    assert!(code(&base.join("loop-a/policy.toml")).is_err());
    // Policy::load_checked applies the same check to any path (an override too).
    assert_eq!(
        Policy::load_checked(&open.join("policy.toml"))
            .unwrap_err()
            .code(),
        "POLICY_NOT_PROTECTED"
    );
    std::fs::remove_dir_all(&base).unwrap();
}

#[cfg(unix)]
#[test]
fn protection_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("sio-policy-prot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.join("policy.toml");
    std::fs::write(&file, "[gateway]\nurl = \"https://gw\"\nca = \"/ca.pem\"\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    // The current user is trusted in this test (root or not).
    let me = std::fs::metadata(&dir)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    // Group- or world-writable file: refused.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let e = check_protection_for_owner(&file, me).unwrap_err();
    assert_eq!(e.code(), "POLICY_NOT_PROTECTED");
    // Writable directory above it: refused.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let e = check_protection_for_owner(&file, me).unwrap_err();
    assert_eq!(e.code(), "POLICY_NOT_PROTECTED");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Owned by the trusted user, 0644, in a 0755 directory under sticky /tmp: accepted.
    if me == 0 || std::env::temp_dir().starts_with("/tmp") {
        check_protection_for_owner(&file, me).unwrap();
        Policy::load(&file).unwrap();
    }
    // Owned by someone else than the trusted user: refused.
    let e = check_protection_for_owner(&file, me.wrapping_add(12345));
    if me != 0 {
        assert_eq!(e.unwrap_err().code(), "POLICY_NOT_PROTECTED");
    }
    assert_eq!(
        check_protection(Path::new("/nonexistent/policy.toml"))
            .unwrap_err()
            .code(),
        "POLICY_UNREADABLE"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
