//! Finding one kind of error among an error's causes, for the messages that depend on it (a
//! TLS alert, a refused connection) whichever client library wrapped it.

use std::error::Error;

/// The outermost cause of type `T`. An io::Error's `source()` skips the error it wraps, so
/// the walk steps into it instead.
pub fn find<'a, T: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = match error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn Error + 'static)),
            None => error.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn steps_into_io_errors() {
        let tls = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        let io = std::io::Error::other(tls.clone());
        assert_eq!(super::find::<rustls::Error>(&io), Some(&tls));
        assert_eq!(super::find::<std::io::Error>(&io).map(|e| e.kind()), Some(std::io::ErrorKind::Other));
        assert!(super::find::<std::fmt::Error>(&io).is_none());
    }
}
