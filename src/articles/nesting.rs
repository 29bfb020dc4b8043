//! How deep a piece of HTML nests, as the HTML parser that the sanitizer
//! (ammonia) and the WordPress converter (htmd) use would build it.
//!
//! That parser (html5ever) works in time proportional to the length times
//! the depth of what is open: a few hundred kilobytes of `<div>`, of nested
//! block quotes, or of `<p><b id=N></p>` (whose formatting elements the
//! parser reopens at every paragraph, and whose output grows with the square
//! of the input) cost it seconds to minutes of CPU. The same parser is run
//! here first into a sink that keeps no tree, only the depth of each node,
//! fed a few kilobytes at a time and stopped as soon as anything nests too
//! deeply; within the limit, the real parse costs at most a constant more
//! per byte than a flat document.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use html5ever::interface::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, LocalName, Namespace, ParseOpts, QualName, local_name, ns};

/// Bytes fed to the parser between two looks at the depth reached: small
/// enough that one chunk cannot hide much work, large enough to cost nothing.
const CHUNK_BYTES: usize = 4096;

/// Whether no element of `html`, parsed as the body of a page, nests more than
/// `max_depth` levels deep.
pub fn within(html: &str, max_depth: usize) -> bool {
    let deepest = Rc::new(Cell::new(0));
    let sink = DepthSink { nodes: RefCell::new(vec![(blank(), 0)]), deepest: Rc::clone(&deepest) };
    let context = QualName::new(None, ns!(html), local_name!("div"));
    let mut parser = html5ever::parse_fragment(sink, ParseOpts::default(), context, Vec::new(), false);
    // The fragment's own root element is the first level.
    let too_deep = || deepest.get() > max_depth + 1;
    let mut rest = html;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(char_boundary_at_or_before(rest, CHUNK_BYTES));
        parser.process(StrTendril::from_slice(chunk));
        if too_deep() {
            return false;
        }
        rest = tail;
    }
    parser.finish();
    !too_deep()
}

/// The largest index `<= at` that falls between two characters of `text`,
/// and at least one character in, so that every chunk makes progress.
fn char_boundary_at_or_before(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut index = at;
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    if index == 0 { text.char_indices().nth(1).map_or(text.len(), |(next, _)| next) } else { index }
}

fn blank() -> QualName {
    QualName::new(None, ns!(), local_name!(""))
}

/// A tree sink that remembers each node's name and depth, nothing else. Node
/// 0 is the document.
struct DepthSink {
    nodes: RefCell<Vec<(QualName, usize)>>,
    deepest: Rc<Cell<usize>>,
}

impl DepthSink {
    fn add(&self, name: QualName) -> usize {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push((name, 0));
        nodes.len() - 1
    }

    fn depth(&self, node: usize) -> usize {
        self.nodes.borrow().get(node).map_or(0, |(_, depth)| *depth)
    }

    fn place(&self, child: &NodeOrText<usize>, depth: usize) {
        if let NodeOrText::AppendNode(child) = child
            && let Some((_, child_depth)) = self.nodes.borrow_mut().get_mut(*child)
        {
            *child_depth = depth;
            self.deepest.set(self.deepest.get().max(depth));
        }
    }
}

/// An element's name, owned: the parser asks for names while the sink may be
/// adding nodes.
#[derive(Debug)]
struct Name(QualName);

impl ElemName for Name {
    fn ns(&self) -> &Namespace {
        &self.0.ns
    }

    fn local_name(&self) -> &LocalName {
        &self.0.local
    }
}

impl TreeSink for DepthSink {
    type Handle = usize;
    type Output = ();
    type ElemName<'a> = Name;

    fn finish(self) {}

    fn parse_error(&self, _message: Cow<'static, str>) {}

    fn get_document(&self) -> usize {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a usize) -> Name {
        Name(self.nodes.borrow().get(*target).map_or_else(blank, |(name, _)| name.clone()))
    }

    fn create_element(&self, name: QualName, _attrs: Vec<Attribute>, flags: ElementFlags) -> usize {
        let element = self.add(name);
        if flags.template {
            // A template's contents are the node right after it.
            self.add(blank());
        }
        element
    }

    fn create_comment(&self, _text: StrTendril) -> usize {
        self.add(blank())
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> usize {
        self.add(blank())
    }

    fn append(&self, parent: &usize, child: NodeOrText<usize>) {
        self.place(&child, self.depth(*parent) + 1);
    }

    fn append_based_on_parent_node(&self, _element: &usize, previous: &usize, child: NodeOrText<usize>) {
        self.place(&child, self.depth(*previous) + 1);
    }

    fn append_doctype_to_document(&self, _name: StrTendril, _public_id: StrTendril, _system_id: StrTendril) {}

    fn get_template_contents(&self, target: &usize) -> usize {
        target + 1
    }

    fn same_node(&self, x: &usize, y: &usize) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &usize, child: NodeOrText<usize>) {
        self.place(&child, self.depth(*sibling));
    }

    fn add_attrs_if_missing(&self, _target: &usize, _attrs: Vec<Attribute>) {}

    fn remove_from_parent(&self, _target: &usize) {}

    fn reparent_children(&self, _node: &usize, _new_parent: &usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_html_is_within_a_small_depth() {
        assert!(within("<p>One <em>two</em></p><ul><li><a href=\"x\">three</a></li></ul>", 5));
        assert!(within("", 1));
        assert!(within("just text", 1));
    }

    #[test]
    fn depth_is_counted_as_the_parser_builds_it() {
        assert!(within(&"<div>".repeat(10), 10));
        assert!(!within(&"<div>".repeat(11), 10));
        // Paragraphs close each other and void elements hold nothing.
        assert!(within(&"<p>x".repeat(1000), 2));
        assert!(within(&"<br><img src=x>".repeat(1000), 2));
    }

    #[test]
    fn formatting_elements_the_parser_reopens_count() {
        let reopened: String = (0..200).map(|i| format!("<p><b id={i}></p>")).collect();
        assert!(!within(&reopened, 100));
    }

    #[test]
    fn deep_input_is_refused_without_parsing_it_all() {
        let deep = format!("{}{}", "<div>".repeat(200_000), "x");
        let started = std::time::Instant::now();
        assert!(!within(&deep, 100));
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn chunks_end_between_characters() {
        let text = "é".repeat(5000);
        assert_eq!(char_boundary_at_or_before(&text, 4097), 4096);
        assert_eq!(char_boundary_at_or_before("é", 1), 2);
        assert!(within(&text, 1));
    }
}
