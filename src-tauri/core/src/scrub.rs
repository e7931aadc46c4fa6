//! What a session held in memory is overwritten when it is let go: the
//! invite's signed URLs, the meeting ID, the client's name, a Jitsi token.
//! Dropping a `String` frees its buffer with the text still in it; these
//! helpers zero it first. The types that carry such data call them from
//! `Drop`, so every copy is covered, not only the one the controller holds.

use url::Url;
use zeroize::Zeroize;

/// Zeroes a URL's text and leaves an empty placeholder in its place.
pub fn url(u: &mut Url) {
    let old = std::mem::replace(u, placeholder());
    // The URL's own buffer, moved out, not copied.
    let mut text = String::from(old);
    text.zeroize();
}

pub fn text(s: &mut String) {
    s.zeroize();
}

fn placeholder() -> Url {
    Url::parse("data:,").expect("static URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrubbed_url_and_text_keep_nothing() {
        let mut u = Url::parse("https://bbb.example.org/api/join?fullName=Kim&meetingID=m-secret&checksum=abc").unwrap();
        url(&mut u);
        assert_eq!(u.as_str(), "data:,");
        let mut s = String::from("Kim Klientin");
        text(&mut s);
        assert!(s.is_empty());
    }
}
