//! The tray icon: the app's 32×32 PNG, decoded once to RGBA.

pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// The app icon. It is built into the program, so a failure here is a
/// broken build, caught by the test below.
pub fn app() -> Rgba {
    decode(include_bytes!("../../../icons/32x32.png")).expect("the built-in icon decodes")
}

fn decode(bytes: &[u8]) -> Option<Rgba> {
    let mut d = png::Decoder::new(std::io::Cursor::new(bytes));
    d.set_transformations(png::Transformations::normalize_to_color8() | png::Transformations::ALPHA);
    let mut r = d.read_info().ok()?;
    let mut buf = vec![0; r.output_buffer_size()?];
    let info = r.next_frame(&mut buf).ok()?;
    buf.truncate(info.buffer_size());
    let pixels = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::GrayscaleAlpha => buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
        _ => return None,
    };
    Some(Rgba { width: info.width, height: info.height, pixels })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_icon_decodes_to_rgba() {
        let i = super::app();
        assert_eq!((i.width, i.height), (32, 32));
        assert_eq!(i.pixels.len(), 32 * 32 * 4);
        assert!(i.pixels.chunks_exact(4).any(|p| p[3] > 0), "not fully transparent");
    }
}
