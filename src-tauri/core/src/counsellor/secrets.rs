//! Counsellor secrets in the OS credential store only: Windows Credential
//! Manager, the macOS Keychain, the Secret Service on Linux. Never in a
//! file, a log, the UI after entry, or a command line.

use zeroize::Zeroizing;

use super::CounsellorError;

/// The store entry for one account's secret (`Access::secret_name`).
pub fn entry(name: &str) -> Result<keyring::Entry, CounsellorError> {
    keyring::Entry::new(crate::APP_ID, name).map_err(|_| CounsellorError::Keyring)
}

pub fn store(entry: &keyring::Entry, secret: &str) -> Result<(), CounsellorError> {
    if secret.is_empty() || secret.len() > 512 || secret.chars().any(char::is_control) {
        return Err(CounsellorError::Invalid("secret"));
    }
    entry.set_password(secret).map_err(|e| {
        log::warn!("credential store refused the secret: {}", kind(&e));
        CounsellorError::Keyring
    })
}

pub fn fetch(entry: &keyring::Entry) -> Result<Zeroizing<String>, CounsellorError> {
    match entry.get_password() {
        Ok(s) => Ok(Zeroizing::new(s)),
        Err(keyring::Error::NoEntry) => Err(CounsellorError::SecretMissing),
        Err(e) => {
            log::warn!("credential store unavailable: {}", kind(&e));
            Err(CounsellorError::Keyring)
        }
    }
}

/// Removing what is not there is fine: the goal is that nothing is left.
pub fn delete(entry: &keyring::Entry) -> Result<(), CounsellorError> {
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(_) => Err(CounsellorError::Keyring),
    }
}

/// The error's kind only: its text could carry attributes of the entry.
fn kind(e: &keyring::Error) -> &'static str {
    match e {
        keyring::Error::PlatformFailure(_) => "platform failure",
        keyring::Error::NoStorageAccess(_) => "no storage access",
        keyring::Error::NoEntry => "no entry",
        keyring::Error::BadEncoding(_) => "bad encoding",
        keyring::Error::TooLong(..) => "too long",
        keyring::Error::Invalid(..) => "invalid",
        keyring::Error::Ambiguous(_) => "ambiguous",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_fetch_delete_with_the_mock_store() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let e = entry("bbb:bbb.example.org").unwrap();
        assert!(matches!(fetch(&e), Err(CounsellorError::SecretMissing)));
        store(&e, "tenant-secret-123").unwrap();
        assert_eq!(fetch(&e).unwrap().as_str(), "tenant-secret-123");
        delete(&e).unwrap();
        assert!(matches!(fetch(&e), Err(CounsellorError::SecretMissing)));
        delete(&e).unwrap();
        for bad in ["", "line\nbreak", &"x".repeat(513)] {
            assert!(matches!(store(&e, bad), Err(CounsellorError::Invalid("secret"))));
        }
    }

    /// Windows' real Credential Manager (Wine implements its API, so CI runs
    /// this too), not the mock: the entry is built on it directly, since the
    /// mock test above swaps the process-wide default.
    #[cfg(windows)]
    #[test]
    fn windows_credential_manager_round_trip() {
        let name = format!("test:{}", std::process::id());
        let cred = keyring::windows::WinCredential::new_with_target(None, crate::APP_ID, &name).unwrap();
        let e = keyring::Entry::new_with_credential(Box::new(cred));
        assert!(matches!(fetch(&e), Err(CounsellorError::SecretMissing)));
        store(&e, "tenant-secret-äöü-123").unwrap();
        assert_eq!(fetch(&e).unwrap().as_str(), "tenant-secret-äöü-123");
        store(&e, "replaced").unwrap();
        assert_eq!(fetch(&e).unwrap().as_str(), "replaced");
        delete(&e).unwrap();
        assert!(matches!(fetch(&e), Err(CounsellorError::SecretMissing)));
    }
}
