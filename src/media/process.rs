//! Turning an upload into what is stored: the type sniffed from the bytes,
//! the size checked from the header before anything is decoded, the image
//! decoded within an allocation limit, turned upright, and encoded again —
//! which drops EXIF (a GPS position, a camera's serial number) and every
//! other piece of metadata — then resized for `srcset`.
//!
//! CPU-bound: callers run it through [`crate::cpu::run`], one image per
//! spare core at a time.

use std::io::Cursor;

use fast_image_resize::images::Image as Pixels;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};

/// Widths of the resized copies, for `srcset`; none wider than the original.
pub const WIDTHS: [u32; 5] = [320, 640, 1024, 1600, 2048];

/// JPEG quality of the cleaned original and of the copies.
const JPEG_ORIGINAL_QUALITY: u8 = 90;
const JPEG_COPY_QUALITY: u8 = 82;
const WEBP_ORIGINAL_QUALITY: f32 = 90.0;
const WEBP_COPY_QUALITY: f32 = 80.0;

/// The formats taken, by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
        }
    }

    /// The format of `bytes`, whatever the file was called; `None` for
    /// anything but the four (SVG, HTML, PDF…).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match image::guess_format(bytes).ok()? {
            ImageFormat::Jpeg => Some(Self::Jpeg),
            ImageFormat::Png => Some(Self::Png),
            ImageFormat::WebP => Some(Self::WebP),
            ImageFormat::Gif => Some(Self::Gif),
            _ => None,
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::WebP => ImageFormat::WebP,
            Self::Gif => ImageFormat::Gif,
        }
    }

    /// The format of the resized copies beside WebP: a GIF's are PNG, as a
    /// still frame needs no palette.
    fn of_copies(self) -> Self {
        if self == Self::Gif { Self::Png } else { self }
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a JPEG, PNG, WebP or GIF image")]
    Unsupported,
    #[error("the image is {width} x {height} pixels; at most {max} pixels are taken")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the image cannot be read: {0}")]
    Malformed(String),
}

/// One encoded file.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// What an upload becomes: the cleaned original and its copies.
#[derive(Debug)]
pub struct Processed {
    pub original: Encoded,
    pub copies: Vec<Encoded>,
}

/// Sniffs, checks and decodes `upload`, and encodes the original and its
/// copies again.
pub fn process(upload: &[u8], max_pixels: u64) -> Result<Processed, Refusal> {
    let format = Format::sniff(upload).ok_or(Refusal::Unsupported)?;
    if format == Format::Jpeg && !jpeg_is_whole(upload) {
        return Err(Refusal::Malformed("the JPEG ends before its image does".into()));
    }
    let image = decode(upload, format, max_pixels)?;
    let (width, height) = (image.width(), image.height());
    let alpha = image.color().has_alpha();
    let layout = if alpha { PixelType::U8x4 } else { PixelType::U8x3 };
    let pixels = if alpha { image.into_rgba8().into_raw() } else { image.into_rgb8().into_raw() };
    let original = encode(format, width, height, &pixels, alpha, Quality::Original)?;
    let source = Pixels::from_vec_u8(width, height, pixels, layout).map_err(malformed)?;
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let mut copies = Vec::new();
    for target in WIDTHS.into_iter().filter(|target| *target < width) {
        let target_height = scaled_height(width, height, target);
        let mut resized = Pixels::new(target, target_height, layout);
        resizer.resize(&source, &mut resized, &options).map_err(malformed)?;
        copies.push(encode(format.of_copies(), target, target_height, resized.buffer(), alpha, Quality::Copy)?);
        copies.push(encode(Format::WebP, target, target_height, resized.buffer(), alpha, Quality::Copy)?);
    }
    if format != Format::WebP && WIDTHS.last().is_some_and(|widest| width <= *widest) {
        copies.push(encode(Format::WebP, width, height, source.buffer(), alpha, Quality::Copy)?);
    }
    Ok(Processed { original, copies })
}

/// Whether a JPEG's last scan is followed by its end marker. The decoder
/// fills a cut-off image with grey rather than fail; a marker byte pair
/// cannot occur inside a scan's data, so an end after the last start of
/// scan means the image is whole (an embedded thumbnail's markers come
/// before it, data a camera appends after it).
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|pair| pair == [0xFF, marker]);
    matches!((last(0xDA), last(0xD9)), (Some(scan), Some(end)) if end > scan)
}

/// The height of a copy `target` wide, at least one pixel.
fn scaled_height(width: u32, height: u32, target: u32) -> u32 {
    let scaled = (u64::from(height) * u64::from(target) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// Reads the size from the header and refuses it before decoding; then
/// decodes with the allocation bounded by that size, and turns the image
/// upright as its EXIF orientation says.
fn decode(upload: &[u8], format: Format, max_pixels: u64) -> Result<DynamicImage, Refusal> {
    let reader = || {
        let mut reader = ImageReader::with_format(Cursor::new(upload), format.image_format());
        let mut limits = Limits::default();
        // RGBA at 8 bits, twice over for the decoder's own buffers.
        limits.max_alloc = Some(max_pixels.saturating_mul(8));
        reader.limits(limits);
        reader
    };
    let (width, height) = reader().into_dimensions().map_err(malformed)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(Refusal::TooManyPixels { width, height, max: max_pixels });
    }
    let mut decoder = reader().into_decoder().map_err(malformed)?;
    let orientation = decoder.orientation().map_err(malformed)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(malformed)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn malformed(error: impl std::fmt::Display) -> Refusal {
    Refusal::Malformed(error.to_string())
}

#[derive(Clone, Copy)]
enum Quality {
    Original,
    Copy,
}

fn encode(
    format: Format,
    width: u32,
    height: u32,
    pixels: &[u8],
    alpha: bool,
    quality: Quality,
) -> Result<Encoded, Refusal> {
    let color = if alpha { ExtendedColorType::Rgba8 } else { ExtendedColorType::Rgb8 };
    let mut bytes = Vec::new();
    match format {
        Format::Jpeg => {
            let quality = match quality {
                Quality::Original => JPEG_ORIGINAL_QUALITY,
                Quality::Copy => JPEG_COPY_QUALITY,
            };
            // JPEG has no alpha: a JPEG decodes without one.
            JpegEncoder::new_with_quality(&mut bytes, quality)
                .write_image(pixels, width, height, color)
                .map_err(malformed)?;
        }
        Format::Png => PngEncoder::new(&mut bytes).write_image(pixels, width, height, color).map_err(malformed)?,
        Format::Gif => GifEncoder::new(&mut bytes).encode(pixels, width, height, color).map_err(malformed)?,
        Format::WebP => {
            let quality = match quality {
                Quality::Original => WEBP_ORIGINAL_QUALITY,
                Quality::Copy => WEBP_COPY_QUALITY,
            };
            let layout = if alpha { webp::PixelLayout::Rgba } else { webp::PixelLayout::Rgb };
            bytes = webp::Encoder::new(pixels, layout, width, height).encode(quality).to_vec();
        }
    }
    Ok(Encoded { format, width, height, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_keep_the_aspect_ratio() {
        assert_eq!(scaled_height(4000, 3000, 640), 480);
        assert_eq!(scaled_height(1000, 1, 320), 1);
        assert_eq!(scaled_height(3, 1000, 2), 667);
    }

    #[test]
    fn a_cut_off_jpeg_is_not_whole() {
        let whole = [0xFF, 0xD8, 0xFF, 0xDA, 1, 2, 0xFF, 0x00, 3, 0xFF, 0xD9];
        assert!(jpeg_is_whole(&whole));
        assert!(!jpeg_is_whole(&whole[..8]));
        // A thumbnail's end marker before the main scan does not count.
        assert!(!jpeg_is_whole(&[0xFF, 0xD8, 0xFF, 0xD9, 0xFF, 0xDA, 1, 2]));
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(Format::sniff(b"\xff\xd8\xff\xe0...."), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(Format::sniff(b"%PDF-1.7"), None);
        assert_eq!(Format::sniff(b"<!doctype html>"), None);
    }
}
