//! The query language: lexing and parsing a topic query into a tree of
//! analysed terms.
//!
//! Grammar, loosest binding first (Lucene's precedence, with juxtaposition
//! meaning OR so that a plain word list means "any of these words"):
//!
//! ```text
//! or      := and ( ["OR"] and )*          -- juxtaposition is OR
//! and     := unary ( "AND" unary )*
//! unary   := "NOT" unary | primary
//! primary := [field ":"] ( "(" or ")" | word | word"*" | phrase ["~" N] ) ["^" W]
//! field   := title | text | source | lang
//! phrase  := '"' … '"'  (also «…» and “…”)
//! ```
//!
//! In an OR list, `NOT x` clauses exclude: `a b NOT c` is "(a or b) and not
//! c", as in Lucene. Every query word goes through [`crate::text::analyze`],
//! the analysis that articles get, so `переговоры` finds "переговорах".

use std::fmt;

use crate::text::{self, TokenKind};

/// A compiled topic query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub(crate) root: Node,
    pub(crate) terms: Vec<Term>,
    source: String,
}

/// A query that could not be compiled, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Character offset into the query text (0-based).
    pub position: usize,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for QueryError {}

/// The query tree. Leaves index into [`Query::terms`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// Matches when any `should` clause matches and no `must_not` clause
    /// does; with no `should` clauses, when no `must_not` clause matches.
    Or {
        should: Vec<Node>,
        must_not: Vec<Node>,
    },
    And(Vec<Node>),
    Not(Box<Node>),
    Term(usize),
    /// `lang:xx`: the article's detected (or declared) language.
    Lang(String),
}

/// Where a term is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Title or text (the default).
    Any,
    Title,
    Text,
    Source,
}

/// One analysed word pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// A word: matches a token with the same stem or the same folded form.
    Word { exact: String, stem: String },
    /// `word*`: matches a token whose folded form starts with this.
    Prefix(String),
}

/// What a term matches.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    Single(Pattern),
    /// Consecutive words in order (`slop == 0`), or all words, in any order,
    /// within `words.len() + slop` consecutive positions.
    Phrase {
        words: Vec<Pattern>,
        slop: u32,
    },
}

/// A leaf of the query: a word, prefix or phrase, with its field and weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    pub field: Field,
    pub matcher: Matcher,
    pub weight: f64,
    /// The term as the user wrote it (without field and weight): what
    /// explanations print and what output feeds carry as a category.
    pub label: String,
}

impl Query {
    /// Compiles `src`, or says what is wrong and at which character.
    pub fn parse(src: &str) -> Result<Query, QueryError> {
        let tokens = lex(src)?;
        let mut parser = Parser {
            tokens,
            at: 0,
            terms: Vec::new(),
            end: src.chars().count(),
        };
        if parser.tokens.is_empty() {
            return Err(err(0, "the query is empty"));
        }
        let root = parser.or(None)?;
        if let Some(tok) = parser.peek() {
            // Only a stray ")" can stop the top-level list early.
            return Err(err(tok.pos, "unmatched \")\""));
        }
        Ok(Query {
            root,
            terms: parser.terms,
            source: src.to_string(),
        })
    }

    /// The text the query was compiled from.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The labels of all terms, in query order.
    pub fn term_labels(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|t| t.label.as_str())
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn err(position: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        position,
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Phrase(String),
    Field(Field),
    LangField,
    Open,
    Close,
    And,
    Or,
    Not,
    Weight(f64),
    Slop(u32),
}

#[derive(Debug, Clone, PartialEq)]
struct Lexeme {
    tok: Tok,
    /// Character offset of the lexeme's first character.
    pos: usize,
    /// True when whitespace separates this lexeme from the previous one.
    spaced: bool,
}

fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '«' => Some('»'),
        '“' => Some('”'),
        '„' => Some('“'),
        _ => None,
    }
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '^' | '~' | '"' | '«' | '»' | '“' | '”' | '„')
}

fn lex(src: &str) -> Result<Vec<Lexeme>, QueryError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut spaced = true;
    while i < chars.len() {
        let c = chars[i];
        let pos = i;
        if c.is_whitespace() {
            spaced = true;
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => {
                i += 1;
                Tok::Open
            }
            ')' => {
                i += 1;
                Tok::Close
            }
            '^' | '~' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let number: String = chars[start..j].iter().collect();
                i = j;
                if c == '^' {
                    match number.parse::<f64>() {
                        Ok(w) if w > 0.0 && w.is_finite() => Tok::Weight(w),
                        _ => {
                            return Err(err(
                                pos,
                                "\"^\" must be followed by a positive weight, like ^2 or ^0.5",
                            ));
                        }
                    }
                } else {
                    match number.parse::<u32>() {
                        Ok(n) => Tok::Slop(n),
                        Err(_) => {
                            return Err(err(
                                pos,
                                "\"~\" must be followed by a whole number of words, like ~3",
                            ));
                        }
                    }
                }
            }
            _ if closing_quote(c).is_some() => {
                let close = closing_quote(c).unwrap_or('"');
                let start = i + 1;
                let Some(len) = chars[start..].iter().position(|&x| x == close) else {
                    return Err(err(pos, "this quote is never closed"));
                };
                i = start + len + 1;
                Tok::Phrase(chars[start..start + len].iter().collect())
            }
            '»' | '”' => return Err(err(pos, "closing quote without an opening one")),
            _ => {
                let start = i;
                let mut j = i;
                while j < chars.len() && !is_special(chars[j]) && chars[j] != ':' {
                    j += 1;
                }
                let word: String = chars[start..j].iter().collect();
                if j < chars.len() && chars[j] == ':' {
                    let tok = match word.as_str() {
                        "title" => Tok::Field(Field::Title),
                        "text" => Tok::Field(Field::Text),
                        "source" => Tok::Field(Field::Source),
                        "lang" => Tok::LangField,
                        _ => {
                            return Err(err(
                                pos,
                                format!(
                                    "unknown field \"{word}:\" (fields are title:, text:, source:, lang:)"
                                ),
                            ));
                        }
                    };
                    i = j + 1;
                    if i >= chars.len() || chars[i].is_whitespace() || chars[i] == ')' {
                        return Err(err(pos, format!("\"{word}:\" must be followed by a term")));
                    }
                    tok
                } else {
                    i = j;
                    match word.as_str() {
                        "AND" | "&&" => Tok::And,
                        "OR" | "||" => Tok::Or,
                        "NOT" => Tok::Not,
                        _ => Tok::Word(word),
                    }
                }
            }
        };
        out.push(Lexeme { tok, pos, spaced });
        spaced = false;
    }
    Ok(out)
}

/// Where a field prefix leaves the parser: an ordinary field, or `lang:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Field(Field),
    Lang,
}

struct Parser {
    tokens: Vec<Lexeme>,
    at: usize,
    terms: Vec<Term>,
    /// Character length of the query, the position of "end of query" errors.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.tokens.get(self.at)
    }

    fn next_pos(&self) -> usize {
        self.peek().map_or(self.end, |t| t.pos)
    }

    fn next(&mut self) -> Option<Lexeme> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// True when the next lexeme can start an operand.
    fn operand_follows(&self) -> bool {
        matches!(
            self.peek().map(|t| &t.tok),
            Some(
                Tok::Word(_)
                    | Tok::Phrase(_)
                    | Tok::Field(_)
                    | Tok::LangField
                    | Tok::Open
                    | Tok::Not
            )
        )
    }

    fn or(&mut self, scope: Option<Scope>) -> Result<Node, QueryError> {
        let mut should = Vec::new();
        let mut must_not = Vec::new();
        let start = self.next_pos();
        loop {
            match self.peek().map(|t| &t.tok) {
                None | Some(Tok::Close) => break,
                Some(Tok::Or) => {
                    let pos = self.next_pos();
                    if should.is_empty() && must_not.is_empty() {
                        return Err(err(pos, "OR needs a term before it"));
                    }
                    self.at += 1;
                    if !self.operand_follows() {
                        return Err(err(pos, "OR needs a term after it"));
                    }
                }
                Some(_) => match self.and(scope)? {
                    Node::Not(inner) => must_not.push(*inner),
                    node => should.push(node),
                },
            }
        }
        if should.is_empty() && must_not.is_empty() {
            return Err(err(start, "empty group: expected a term"));
        }
        if should.len() == 1 && must_not.is_empty() {
            return Ok(should.pop().unwrap_or(Node::And(Vec::new())));
        }
        Ok(Node::Or { should, must_not })
    }

    fn and(&mut self, scope: Option<Scope>) -> Result<Node, QueryError> {
        let mut parts = vec![self.unary(scope)?];
        while let Some(Tok::And) = self.peek().map(|t| &t.tok) {
            let pos = self.next_pos();
            self.at += 1;
            if !self.operand_follows() {
                return Err(err(pos, "AND needs a term after it"));
            }
            parts.push(self.unary(scope)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }

    fn unary(&mut self, scope: Option<Scope>) -> Result<Node, QueryError> {
        if let Some(Tok::Not) = self.peek().map(|t| &t.tok) {
            let pos = self.next_pos();
            self.at += 1;
            if !self.operand_follows() {
                return Err(err(pos, "NOT needs a term after it"));
            }
            return Ok(Node::Not(Box::new(self.unary(scope)?)));
        }
        self.primary(scope)
    }

    fn primary(&mut self, scope: Option<Scope>) -> Result<Node, QueryError> {
        let pos = self.next_pos();
        let Some(lexeme) = self.next() else {
            return Err(err(pos, "expected a term"));
        };
        let first_term = self.terms.len();
        let node = match lexeme.tok {
            Tok::Field(field) => self.scoped(Scope::Field(field), scope, pos)?,
            Tok::LangField => self.scoped(Scope::Lang, scope, pos)?,
            Tok::Open => {
                let inner = self.or(scope)?;
                match self.next() {
                    Some(Lexeme {
                        tok: Tok::Close, ..
                    }) => inner,
                    _ => return Err(err(pos, "this parenthesis is never closed")),
                }
            }
            Tok::Word(word) => self.word(&word, pos, scope)?,
            Tok::Phrase(text) => {
                let slop = match self.peek() {
                    Some(Lexeme {
                        tok: Tok::Slop(n),
                        spaced: false,
                        ..
                    }) => {
                        let n = *n;
                        self.at += 1;
                        n
                    }
                    _ => 0,
                };
                self.phrase(&text, slop, pos, scope)?
            }
            Tok::Close => return Err(err(pos, "unmatched \")\"")),
            Tok::And => return Err(err(pos, "AND needs a term before it")),
            Tok::Or => return Err(err(pos, "OR needs a term before it")),
            Tok::Not => return Err(err(pos, "NOT needs a term after it")),
            Tok::Weight(_) => return Err(err(pos, "\"^\" must follow a term or a group")),
            Tok::Slop(_) => return Err(err(pos, "\"~\" must follow a \"phrase\"")),
        };
        loop {
            match self.peek() {
                Some(Lexeme {
                    tok: Tok::Weight(w),
                    spaced: false,
                    ..
                }) => {
                    let w = *w;
                    self.at += 1;
                    for term in &mut self.terms[first_term..] {
                        term.weight *= w;
                    }
                }
                Some(Lexeme {
                    tok: Tok::Slop(_),
                    pos,
                    ..
                }) => {
                    return Err(err(
                        *pos,
                        "\"~\" must directly follow a \"phrase\" (words within N of each other)",
                    ));
                }
                Some(Lexeme {
                    tok: Tok::Weight(_),
                    pos,
                    ..
                }) => return Err(err(*pos, "\"^\" must directly follow a term or a group")),
                _ => break,
            }
        }
        Ok(node)
    }

    fn scoped(
        &mut self,
        inner: Scope,
        outer: Option<Scope>,
        pos: usize,
    ) -> Result<Node, QueryError> {
        if outer.is_some() {
            return Err(err(pos, "a field cannot be scoped inside another field"));
        }
        match self.peek() {
            Some(Lexeme {
                tok: Tok::Word(_) | Tok::Phrase(_) | Tok::Open,
                spaced: false,
                ..
            }) => self.primary(Some(inner)),
            _ => Err(err(pos, "a field must be followed by a term or a group")),
        }
    }

    fn word(&mut self, raw: &str, pos: usize, scope: Option<Scope>) -> Result<Node, QueryError> {
        if raw.starts_with('-') {
            return Err(err(pos, "to exclude a term write NOT before it"));
        }
        if scope == Some(Scope::Lang) {
            let code = raw.to_lowercase();
            if !(2..=3).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_lowercase()) {
                return Err(err(
                    pos,
                    format!("\"lang:{raw}\": expected a language code like ru, kk, en"),
                ));
            }
            return Ok(Node::Lang(code));
        }
        let (body, prefix) = match raw.strip_suffix('*') {
            Some(body) => (body, true),
            None => (raw, false),
        };
        if let Some(star) = body.find('*') {
            let offset = body[..star].chars().count();
            return Err(err(
                pos + offset,
                "\"*\" is only allowed at the end of a word (a prefix)",
            ));
        }
        let patterns = patterns_of(body, prefix, pos)?;
        let matcher = if patterns.len() == 1 {
            Matcher::Single(
                patterns
                    .into_iter()
                    .next()
                    .unwrap_or(Pattern::Prefix(String::new())),
            )
        } else {
            // A hyphenated or dotted word ("риелтор-посредник", "U.S.")
            // becomes the phrase of its parts, which the article's analysis
            // puts at consecutive positions.
            Matcher::Phrase {
                words: patterns,
                slop: 0,
            }
        };
        Ok(self.push(scope, matcher, raw.to_string()))
    }

    fn phrase(
        &mut self,
        text: &str,
        slop: u32,
        pos: usize,
        scope: Option<Scope>,
    ) -> Result<Node, QueryError> {
        if scope == Some(Scope::Lang) {
            return Err(err(pos, "lang: takes a language code, not a phrase"));
        }
        let mut words = Vec::new();
        let mut offset = 0;
        for chunk in text.split_whitespace() {
            let at = text[offset..].find(chunk).map_or(offset, |i| offset + i);
            offset = at + chunk.len();
            let chunk_pos = pos + 1 + text[..at].chars().count();
            let (body, prefix) = match chunk.strip_suffix('*') {
                Some(body) => (body, true),
                None => (chunk, false),
            };
            if let Some(star) = body.find('*') {
                return Err(err(
                    chunk_pos + body[..star].chars().count(),
                    "\"*\" is only allowed at the end of a word (a prefix)",
                ));
            }
            words.extend(patterns_of(body, prefix, chunk_pos)?);
        }
        if words.is_empty() {
            return Err(err(pos, "empty phrase"));
        }
        let label = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let matcher = if words.len() == 1 {
            Matcher::Single(words.remove(0))
        } else {
            Matcher::Phrase { words, slop }
        };
        Ok(self.push(scope, matcher, label))
    }

    fn push(&mut self, scope: Option<Scope>, matcher: Matcher, label: String) -> Node {
        let field = match scope {
            Some(Scope::Field(f)) => f,
            _ => Field::Any,
        };
        self.terms.push(Term {
            field,
            matcher,
            weight: 1.0,
            label,
        });
        Node::Term(self.terms.len() - 1)
    }
}

/// Shortest prefix accepted: a one-letter prefix would match a large part of
/// every article and is always a mistake.
const MIN_PREFIX_CHARS: usize = 2;

/// Analyses one query word into patterns (one per part of a hyphenated word).
fn patterns_of(body: &str, prefix: bool, pos: usize) -> Result<Vec<Pattern>, QueryError> {
    let tokens: Vec<text::Token> = text::analyze(body)
        .into_iter()
        .filter(|t| t.kind != TokenKind::Compound)
        .collect();
    if tokens.is_empty() {
        return Err(err(
            pos,
            format!("\"{body}\" has no letters or digits to search for"),
        ));
    }
    let last = tokens.len() - 1;
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.into_iter().enumerate() {
        if prefix && i == last {
            if t.exact.chars().count() < MIN_PREFIX_CHARS {
                return Err(err(
                    pos,
                    format!(
                        "the prefix \"{}*\" is too short (at least {MIN_PREFIX_CHARS} letters)",
                        t.exact
                    ),
                ));
            }
            out.push(Pattern::Prefix(t.exact));
        } else {
            out.push(Pattern::Word {
                exact: t.exact,
                stem: t.stem,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(src: &str) -> QueryError {
        match Query::parse(src) {
            Ok(q) => panic!("{src:?} parsed as {:?}", q.root),
            Err(e) => e,
        }
    }

    #[test]
    fn a_plain_word_list_is_one_or_of_its_words() {
        let q = Query::parse("переговоры посредничество peace*").unwrap();
        match &q.root {
            Node::Or { should, must_not } => {
                assert_eq!(should.len(), 3);
                assert!(must_not.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            q.terms[2].matcher,
            Matcher::Single(Pattern::Prefix("peace".into()))
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_juxtaposition() {
        let q = Query::parse("a b AND c OR d").unwrap();
        let Node::Or { should, .. } = &q.root else {
            panic!("{:?}", q.root)
        };
        assert_eq!(should.len(), 3);
        assert_eq!(should[1], Node::And(vec![Node::Term(1), Node::Term(2)]));
    }

    #[test]
    fn not_in_a_list_excludes_and_not_in_an_and_negates() {
        let q = Query::parse("мир договор NOT чемпионат").unwrap();
        let Node::Or { should, must_not } = &q.root else {
            panic!()
        };
        assert_eq!((should.len(), must_not.len()), (2, 1));
        let q = Query::parse("мир AND NOT чемпионат").unwrap();
        assert_eq!(
            q.root,
            Node::And(vec![Node::Term(0), Node::Not(Box::new(Node::Term(1)))])
        );
    }

    #[test]
    fn fields_scope_terms_and_groups() {
        let q = Query::parse("title:(ООН OR оон) text:\"мирный договор\"~3 lang:ru").unwrap();
        assert_eq!(q.terms[0].field, Field::Title);
        assert_eq!(q.terms[1].field, Field::Title);
        assert_eq!(q.terms[2].field, Field::Text);
        assert!(matches!(
            q.terms[2].matcher,
            Matcher::Phrase { slop: 3, .. }
        ));
        let Node::Or { should, .. } = &q.root else {
            panic!()
        };
        assert_eq!(should[2], Node::Lang("ru".into()));
    }

    #[test]
    fn weights_multiply_down_into_groups() {
        let q = Query::parse("(мир^2 война)^1.5 переговоры").unwrap();
        let weights: Vec<f64> = q.terms.iter().map(|t| t.weight).collect();
        assert_eq!(weights, [3.0, 1.5, 1.0]);
    }

    #[test]
    fn query_words_are_analysed_like_article_words() {
        let q = Query::parse("Переговоры «мирный договор» риелтор-посредник").unwrap();
        let Matcher::Single(Pattern::Word { exact, stem }) = &q.terms[0].matcher else {
            panic!()
        };
        assert_eq!(exact, "переговоры");
        assert_eq!(stem, &crate::text::stem("переговорах"));
        assert_eq!(q.terms[1].label, "мирный договор");
        assert!(
            matches!(&q.terms[2].matcher, Matcher::Phrase { words, slop: 0 } if words.len() == 2)
        );
    }

    #[test]
    fn errors_name_the_character_where_the_problem_is() {
        let cases = [
            ("мир AND", 4),
            ("(мир OR война", 0),
            ("мир)", 3),
            ("foo:bar", 0),
            ("\"мирный договор", 0),
            ("мир^0", 3),
            ("мир~2", 3),
            ("ми*р", 2),
            ("OR мир", 0),
            ("мир NOT", 4),
            ("м*", 0),
            ("()", 1),
            ("", 0),
            ("-спорт", 0),
            ("lang:russian", 5),
            ("title:", 0),
            ("мир ^2", 4),
        ];
        for (src, position) in cases {
            let e = parse_err(src);
            assert_eq!(e.position, position, "{src:?}: {e}");
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn error_display_counts_characters_from_one() {
        let e = parse_err("война AND");
        assert_eq!(e.to_string(), "AND needs a term after it (at character 7)");
    }
}
