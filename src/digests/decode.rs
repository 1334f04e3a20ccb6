//! The input's bytes as text, decoded the way kubectl decodes a manifest: a byte-order mark for
//! UTF-16 (either byte order) makes the file UTF-16, a UTF-8 byte-order mark is dropped, anything
//! else must be UTF-8. A file a Windows editor saved then reads here as it reads for kubectl.

use crate::problem::Problem;
use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16_LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16_BE_BOM: &[u8] = b"\xFE\xFF";
const GZIP_MAGIC: &[u8] = b"\x1F\x8B";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The text, without its byte-order mark; or what the bytes are instead, where and what to do.
pub fn text(bytes: &[u8]) -> Result<Cow<'_, str>, Problem> {
    let text = if let Some(rest) = bytes.strip_prefix(UTF16_LE_BOM) {
        Cow::Owned(utf16(rest, u16::from_le_bytes, "UTF-16LE")?)
    } else if let Some(rest) = bytes.strip_prefix(UTF16_BE_BOM) {
        Cow::Owned(utf16(rest, u16::from_be_bytes, "UTF-16BE")?)
    } else {
        let rest = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        Cow::Borrowed(std::str::from_utf8(rest).map_err(|error| not_utf8(rest, error.valid_up_to()))?)
    };
    // YAML parsers take NUL for the end of the text: without this, the rest would go unread.
    match text.find('\0') {
        None => Ok(text),
        Some(offset) if !looks_like_utf16(bytes) => Err(at(&text[..offset], binary(bytes).unwrap_or(
            "the input holds a NUL character here: it is a binary file, not YAML text; pass the installer's images_digests.yml",
        ))),
        Some(offset) => Err(at(
            &text[..offset],
            "the input holds NUL characters: it looks like UTF-16 without a byte-order mark; save it as UTF-8 (or as \
             UTF-16 with a byte-order mark)",
        )),
    }
}

/// UTF-16 code units in the given byte order; an unpaired surrogate or a last odd byte is refused
/// with its place (kubectl would put U+FFFD in, and a name would silently change).
fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, encoding: &str) -> Result<String, Problem> {
    let (units, odd) = bytes.as_chunks::<2>();
    let mut text = String::with_capacity(units.len());
    for decoded in char::decode_utf16(units.iter().map(|pair| unit(*pair))) {
        match decoded {
            Ok(c) => text.push(c),
            Err(error) => {
                return Err(at(
                    &text,
                    &format!(
                        "the input starts with the {encoding} byte-order mark, but holds the unpaired surrogate \
                         0x{:04X} here, which is not UTF-16 text; save the file again as UTF-8",
                        error.unpaired_surrogate()
                    ),
                ));
            }
        }
    }
    if !odd.is_empty() {
        return Err(at(
            &text,
            &format!(
                "the input starts with the {encoding} byte-order mark, but ends in half a character (an odd number of \
                 bytes): the file is cut short or not UTF-16; save it again as UTF-8"
            ),
        ));
    }
    Ok(text)
}

/// `valid` bytes of UTF-8 are followed by one that is not.
fn not_utf8(bytes: &[u8], valid: usize) -> Problem {
    if let Some(kind) = binary(bytes) {
        return Problem { line: None, column: None, entry: None, message: kind.to_owned() };
    }
    let before = std::str::from_utf8(&bytes[..valid]).expect("valid up to here");
    at(
        before,
        &format!(
            "the input is not UTF-8 text (byte 0x{:02X} here is not valid UTF-8) and has no UTF-16 byte-order mark; \
             if it is images_digests, save it as UTF-8",
            bytes[valid]
        ),
    )
}

/// Archives an administrator may pass by mistake instead of the file inside them.
fn binary(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(GZIP_MAGIC) {
        Some("the input is a gzip archive, not YAML text: unpack it and pass the images_digests.yml inside")
    } else if bytes.starts_with(ZIP_MAGIC) {
        Some("the input is a zip archive, not YAML text: unpack it and pass the images_digests.yml inside")
    } else {
        None
    }
}

/// Text in UTF-16 without a byte-order mark has a NUL byte in one of its first two bytes,
/// as every ASCII character does in UTF-16.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    matches!(bytes, [a, b, ..] if (*a == 0) != (*b == 0))
}

/// A problem placed just after `before`, the text that precedes it.
fn at(before: &str, message: &str) -> Problem {
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Problem {
        line: Some(before.matches('\n').count() + 1),
        column: Some(before[line_start..].chars().count() + 1),
        entry: None,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "images_digests:\r\n  synapse: {}\n  element_web: \u{e9}\u{1F600}\n";

    fn utf16_bytes(text: &str, bom: [u8; 2], unit: fn(u16) -> [u8; 2]) -> Vec<u8> {
        bom.into_iter().chain(text.encode_utf16().flat_map(unit)).collect()
    }

    #[test]
    fn byte_order_marks_decide_the_encoding_as_for_kubectl() {
        assert_eq!(text(TEXT.as_bytes()).unwrap(), TEXT);
        assert_eq!(text(&[UTF8_BOM, TEXT.as_bytes()].concat()).unwrap(), TEXT);
        assert_eq!(text(&utf16_bytes(TEXT, [0xFF, 0xFE], u16::to_le_bytes)).unwrap(), TEXT);
        assert_eq!(text(&utf16_bytes(TEXT, [0xFE, 0xFF], u16::to_be_bytes)).unwrap(), TEXT);
        assert_eq!(text(b"\xFF\xFE").unwrap(), "");
    }

    #[test]
    fn what_is_not_text_is_placed_and_named() {
        let latin1 = text(b"synapse:\n  tag: caf\xE9\n").unwrap_err();
        assert_eq!((latin1.line, latin1.column), (Some(2), Some(11)));
        assert!(latin1.message.contains("not UTF-8 text (byte 0xE9 here is not valid"), "{}", latin1.message);

        let no_bom: Vec<u8> = "a: b\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(text(&no_bom).unwrap_err().message.contains("UTF-16 without a byte-order mark"));
        let nul = text(b"a: b\nc: \0\x01\x02").unwrap_err();
        assert_eq!((nul.line, nul.column, nul.message.contains("binary")), (Some(2), Some(4), true));
        assert!(text(b"\x1F\x8B\x08\x00").unwrap_err().message.contains("gzip archive"));
        assert!(text(b"PK\x03\x04\x14\x00\x00\x00").unwrap_err().message.contains("zip archive"));

        let odd = text(&[0xFF, 0xFE, b'a', 0, b'\n', 0, b'b']).unwrap_err();
        assert_eq!((odd.line, odd.column), (Some(2), Some(1)));
        assert!(odd.message.contains("half a character"), "{}", odd.message);
        let surrogate = text(&[0xFE, 0xFF, 0, b'a', 0xD8, 0x00, 0, b'b']).unwrap_err();
        assert!(surrogate.message.contains("unpaired surrogate 0xD800"), "{}", surrogate.message);
        assert_eq!(surrogate.column, Some(2));
    }
}
