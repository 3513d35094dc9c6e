//! The lexer: SQL text to tokens, in SQLite's dialect.
//!
//! A token is a kind plus where it is: the byte range in the text and the
//! 1-based line:column of its first character. Tokens do not own text; the
//! parser slices the source with the byte range when it needs the spelling
//! (an identifier's name, a number's digits) and only then allocates, so
//! lexing a 10k-line INSERT script allocates nothing per token. Keywords are
//! recognised by upper-casing into a small stack buffer and matching, again
//! without allocating.
//!
//! The rules follow SQLite's tokenizer (`tokenize.c`), because users and the
//! sqllogictest corpus expect its exact behaviour at the edges:
//!
//! - Identifiers are bare (`[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*`),
//!   `"double quoted"`, `[bracketed]` or `` `backticked` ``. Whether a
//!   keyword may serve as an identifier is the parser's decision (SQLite's
//!   "fallback" keywords); the lexer only says which keyword it saw, and
//!   [`Keyword::class`] says how reserved it is.
//! - A number is decimal or `0x` hex; a `.` or an exponent makes it a real.
//!   A number glued to identifier characters (`12abc`, `0x`, `1e`) is one
//!   illegal token, not two tokens, so `SELECT 1e FROM t` is an error rather
//!   than the alias `e`.
//! - `X'0A1b'` is a blob; an odd number of digits or a non-hex digit is an
//!   error (SQLite reports it as an unrecognized token).
//! - `?`, `?N`, `:name`, `@name`, `$name` are parameters; numbering them is
//!   per statement and therefore the parser's job.
//! - `--` comments run to the end of the line; `/* */` comments may be left
//!   open at the end of the text (SQLite accepts that too).
//!
//! Lexing never fails as a function: a malformed token comes back as
//! [`TokenKind::Error`] with its range, so the parser can peek past nothing
//! fallible and report the problem with its position when it reaches it.
//! That keeps statements before a bad token in a script runnable, as with
//! `sqlite3_exec`.
//!
//! [`is_complete`] is `sqlite3_complete`: the interactive shell asks it
//! whether the text typed so far ends a statement.

use crate::sql::ast::Pos;

/// What went wrong with a malformed token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexError {
    /// A `'` string without its closing quote.
    UnterminatedString,
    /// A `"`, `[` or `` ` `` identifier without its closing quote.
    UnterminatedIdentifier,
    /// `X'..'` with an odd number of digits or a non-hex digit.
    MalformedBlob,
    /// A number glued to identifier characters (`12abc`, `1e`, `0x`).
    MalformedNumber,
    /// `:`, `@` or `$` without a name, or `?N` out of range.
    MalformedParameter,
    /// A character that starts no token (`!` alone, `#`, a control byte).
    Unrecognized,
}

impl LexError {
    /// A short description for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            LexError::UnterminatedString => "unterminated string literal",
            LexError::UnterminatedIdentifier => "unterminated quoted identifier",
            LexError::MalformedBlob => "malformed blob literal",
            LexError::MalformedNumber => "malformed number",
            LexError::MalformedParameter => "malformed parameter",
            LexError::Unrecognized => "unrecognized token",
        }
    }
}

/// The kind of a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// End of the text. Its range is empty, at the end.
    Eof,
    /// A bare identifier that is not a keyword.
    Ident,
    /// A keyword (possibly used as an identifier; the parser decides).
    Keyword(Keyword),
    /// `"x"`, `[x]` or `` `x` ``.
    QuotedIdent,
    /// `'text'`.
    String,
    /// `X'hex'`.
    Blob,
    /// Decimal or hex digits.
    Integer,
    /// A number with a `.` or an exponent.
    Float,
    /// `?`, `?N`, `:name`, `@name`, `$name`.
    Param,
    Semi,
    Comma,
    Dot,
    LParen,
    RParen,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `=` or `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    /// `||`
    Concat,
    Tilde,
    /// `->`
    Arrow,
    /// `->>`
    Arrow2,
    /// A malformed token.
    Error(LexError),
}

/// One token: its kind, byte range and position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    pub pos: Pos,
}

impl Token {
    /// The token's text in `src` (the text it was lexed from).
    pub fn text<'s>(&self, src: &'s str) -> &'s str {
        src.get(self.start..self.end).unwrap_or("")
    }

    /// True for the keyword `kw`.
    pub fn is_kw(&self, kw: Keyword) -> bool {
        self.kind == TokenKind::Keyword(kw)
    }
}

/// How a keyword may be used where the grammar wants a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordClass {
    /// Never a name unless quoted (`SELECT`, `FROM`, `NOT`, ...).
    Reserved,
    /// SQLite's `%fallback ID` keywords: a name wherever the keyword's own
    /// meaning does not apply (`key`, `action`, `replace`, `end`, ...).
    /// Also the context-sensitive WINDOW, OVER and FILTER.
    Fallback,
    /// The join words and INDEXED: names of tables, columns and functions,
    /// but not an alias written without AS (`FROM a left JOIN b`).
    NameOnly,
}

macro_rules! keywords {
    ($($name:ident = $text:literal $class:ident,)*) => {
        /// An SQL keyword (SQLite's list, plus none of its own: TurDB's
        /// contextual words like STRICT or STORED stay identifiers).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Keyword {
            $($name,)*
        }

        impl Keyword {
            /// The keyword in upper case.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Keyword::$name => $text,)*
                }
            }

            /// How reserved the keyword is.
            pub fn class(self) -> KeywordClass {
                match self {
                    $(Keyword::$name => KeywordClass::$class,)*
                }
            }

            /// Every keyword, in the byte order of its text: a binary
            /// search over it is a fraction of the size of a `match` on
            /// strings (the wasm build counts), at a few comparisons more.
            const ALL: &'static [Keyword] = &[$(Keyword::$name,)*];

            fn from_upper(word: &str) -> Option<Keyword> {
                Keyword::ALL
                    .binary_search_by(|k| k.as_str().cmp(word))
                    .ok()
                    .map(|i| Keyword::ALL[i])
            }
        }
    };
}

keywords! {
    Abort = "ABORT" Fallback,
    Action = "ACTION" Fallback,
    Add = "ADD" Reserved,
    After = "AFTER" Fallback,
    All = "ALL" Reserved,
    Alter = "ALTER" Reserved,
    Always = "ALWAYS" Fallback,
    Analyze = "ANALYZE" Fallback,
    And = "AND" Reserved,
    As = "AS" Reserved,
    Asc = "ASC" Fallback,
    Attach = "ATTACH" Fallback,
    Autoincrement = "AUTOINCREMENT" Reserved,
    Before = "BEFORE" Fallback,
    Begin = "BEGIN" Fallback,
    Between = "BETWEEN" Reserved,
    By = "BY" Fallback,
    Cascade = "CASCADE" Fallback,
    Case = "CASE" Reserved,
    Cast = "CAST" Fallback,
    Check = "CHECK" Reserved,
    Collate = "COLLATE" Reserved,
    Column = "COLUMN" Fallback,
    Commit = "COMMIT" Reserved,
    Conflict = "CONFLICT" Fallback,
    Constraint = "CONSTRAINT" Reserved,
    Create = "CREATE" Reserved,
    Cross = "CROSS" NameOnly,
    Current = "CURRENT" Fallback,
    CurrentDate = "CURRENT_DATE" Fallback,
    CurrentTime = "CURRENT_TIME" Fallback,
    CurrentTimestamp = "CURRENT_TIMESTAMP" Fallback,
    Database = "DATABASE" Fallback,
    Default = "DEFAULT" Reserved,
    Deferrable = "DEFERRABLE" Reserved,
    Deferred = "DEFERRED" Fallback,
    Delete = "DELETE" Reserved,
    Desc = "DESC" Fallback,
    Detach = "DETACH" Fallback,
    Distinct = "DISTINCT" Reserved,
    Do = "DO" Fallback,
    Drop = "DROP" Reserved,
    Each = "EACH" Fallback,
    Else = "ELSE" Reserved,
    End = "END" Fallback,
    Escape = "ESCAPE" Reserved,
    Except = "EXCEPT" Reserved,
    Exclude = "EXCLUDE" Fallback,
    Exclusive = "EXCLUSIVE" Fallback,
    Exists = "EXISTS" Reserved,
    Explain = "EXPLAIN" Fallback,
    Fail = "FAIL" Fallback,
    Filter = "FILTER" Fallback,
    First = "FIRST" Fallback,
    Following = "FOLLOWING" Fallback,
    For = "FOR" Fallback,
    Foreign = "FOREIGN" Reserved,
    From = "FROM" Reserved,
    Full = "FULL" NameOnly,
    Generated = "GENERATED" Fallback,
    Glob = "GLOB" Fallback,
    Group = "GROUP" Reserved,
    Groups = "GROUPS" Fallback,
    Having = "HAVING" Reserved,
    If = "IF" Fallback,
    Ignore = "IGNORE" Fallback,
    Immediate = "IMMEDIATE" Fallback,
    In = "IN" Reserved,
    Index = "INDEX" Reserved,
    Indexed = "INDEXED" NameOnly,
    Initially = "INITIALLY" Fallback,
    Inner = "INNER" NameOnly,
    Insert = "INSERT" Reserved,
    Instead = "INSTEAD" Fallback,
    Intersect = "INTERSECT" Reserved,
    Into = "INTO" Reserved,
    Is = "IS" Reserved,
    Isnull = "ISNULL" Reserved,
    Join = "JOIN" Reserved,
    Key = "KEY" Fallback,
    Last = "LAST" Fallback,
    Left = "LEFT" NameOnly,
    Like = "LIKE" Fallback,
    Limit = "LIMIT" Reserved,
    Match = "MATCH" Fallback,
    Materialized = "MATERIALIZED" Fallback,
    Natural = "NATURAL" NameOnly,
    No = "NO" Fallback,
    Not = "NOT" Reserved,
    Nothing = "NOTHING" Reserved,
    Notnull = "NOTNULL" Reserved,
    Null = "NULL" Reserved,
    Nulls = "NULLS" Fallback,
    Of = "OF" Fallback,
    Offset = "OFFSET" Fallback,
    On = "ON" Reserved,
    Or = "OR" Reserved,
    Order = "ORDER" Reserved,
    Others = "OTHERS" Fallback,
    Outer = "OUTER" NameOnly,
    Over = "OVER" Fallback,
    Partition = "PARTITION" Fallback,
    Plan = "PLAN" Fallback,
    Pragma = "PRAGMA" Fallback,
    Preceding = "PRECEDING" Fallback,
    Primary = "PRIMARY" Reserved,
    Query = "QUERY" Fallback,
    Raise = "RAISE" Fallback,
    Range = "RANGE" Fallback,
    Recursive = "RECURSIVE" Fallback,
    References = "REFERENCES" Reserved,
    Regexp = "REGEXP" Fallback,
    Reindex = "REINDEX" Fallback,
    Release = "RELEASE" Fallback,
    Rename = "RENAME" Fallback,
    Replace = "REPLACE" Fallback,
    Restrict = "RESTRICT" Fallback,
    Returning = "RETURNING" Reserved,
    Right = "RIGHT" NameOnly,
    Rollback = "ROLLBACK" Fallback,
    Row = "ROW" Fallback,
    Rows = "ROWS" Fallback,
    Savepoint = "SAVEPOINT" Fallback,
    Select = "SELECT" Reserved,
    Set = "SET" Reserved,
    Table = "TABLE" Reserved,
    Temp = "TEMP" Fallback,
    Temporary = "TEMPORARY" Fallback,
    Then = "THEN" Reserved,
    Ties = "TIES" Fallback,
    To = "TO" Reserved,
    Transaction = "TRANSACTION" Reserved,
    Trigger = "TRIGGER" Fallback,
    Unbounded = "UNBOUNDED" Fallback,
    Union = "UNION" Reserved,
    Unique = "UNIQUE" Reserved,
    Update = "UPDATE" Reserved,
    Using = "USING" Reserved,
    Vacuum = "VACUUM" Fallback,
    Values = "VALUES" Reserved,
    View = "VIEW" Fallback,
    Virtual = "VIRTUAL" Fallback,
    When = "WHEN" Reserved,
    Where = "WHERE" Reserved,
    Window = "WINDOW" Fallback,
    With = "WITH" Fallback,
    Without = "WITHOUT" Fallback,
}

/// The longest keyword, CURRENT_TIMESTAMP.
const MAX_KEYWORD_LEN: usize = 17;

impl Keyword {
    /// The keyword spelled by `word`, in any case; None if it is not one.
    pub fn lookup(word: &str) -> Option<Keyword> {
        let b = word.as_bytes();
        if b.len() < 2 || b.len() > MAX_KEYWORD_LEN {
            return None;
        }
        let mut buf = [0u8; MAX_KEYWORD_LEN];
        for (d, &s) in buf.iter_mut().zip(b) {
            if !(s.is_ascii_alphabetic() || s == b'_') {
                return None;
            }
            *d = s.to_ascii_uppercase();
        }
        // ASCII letters and `_` only, so always valid UTF-8.
        Keyword::from_upper(core::str::from_utf8(&buf[..b.len()]).ok()?)
    }
}

/// Can `b` continue an identifier? (SQLite's IdChar: alphanumerics, `_`,
/// `$` and every byte of a multi-byte UTF-8 character.)
#[inline]
pub fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Can `b` start an identifier?
#[inline]
pub fn is_id_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// A cursor over SQL text that yields tokens. Cloning it is cheap (a
/// position), which is how callers look ahead without buffering.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    src: &'a str,
    off: usize,
    line: u32,
    col: u32,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            off: 0,
            line: 1,
            col: 1,
        }
    }

    /// The text being lexed.
    pub fn source(&self) -> &'a str {
        self.src
    }

    /// The position of the next unread byte.
    pub fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn byte(&self, i: usize) -> u8 {
        self.src.as_bytes().get(i).copied().unwrap_or(0)
    }

    /// Moves the cursor to byte `to`, keeping line:column right. Columns
    /// count characters, so only UTF-8 lead bytes advance them.
    fn advance_to(&mut self, to: usize) {
        let bytes = self.src.as_bytes();
        let to = to.min(bytes.len());
        for &b in &bytes[self.off..to] {
            if b == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                self.col += 1;
            }
        }
        self.off = to;
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) {
        let bytes = self.src.as_bytes();
        let mut i = self.off;
        loop {
            match bytes.get(i) {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') => i += 1,
                Some(b'-') if bytes.get(i + 1) == Some(&b'-') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                Some(b'/') if bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/'))
                    {
                        i += 1;
                    }
                    i = (i + 2).min(bytes.len());
                }
                _ => break,
            }
        }
        self.advance_to(i);
    }

    /// The next token; [`TokenKind::Eof`] forever at the end.
    pub fn next_token(&mut self) -> Token {
        self.skip_trivia();
        let start = self.off;
        let pos = self.pos();
        let (kind, len) = self.scan(start);
        // A token always ends on a character boundary: every scan stops at
        // an ASCII byte or the end, except `Unrecognized`, which takes a
        // whole character.
        let end = start + len;
        self.advance_to(end);
        Token {
            kind,
            start,
            end: self.off,
            pos,
        }
    }

    /// Scans the token at `i`: its kind and length in bytes.
    fn scan(&self, i: usize) -> (TokenKind, usize) {
        use TokenKind as T;
        let bytes = self.src.as_bytes();
        let Some(&c) = bytes.get(i) else {
            return (T::Eof, 0);
        };
        let next = self.byte(i + 1);
        match c {
            b'(' => (T::LParen, 1),
            b')' => (T::RParen, 1),
            b';' => (T::Semi, 1),
            b',' => (T::Comma, 1),
            b'+' => (T::Plus, 1),
            b'*' => (T::Star, 1),
            b'/' => (T::Slash, 1),
            b'%' => (T::Percent, 1),
            b'&' => (T::BitAnd, 1),
            b'~' => (T::Tilde, 1),
            b'-' => {
                if next == b'>' {
                    if self.byte(i + 2) == b'>' {
                        (T::Arrow2, 3)
                    } else {
                        (T::Arrow, 2)
                    }
                } else {
                    (T::Minus, 1)
                }
            }
            b'=' => (T::Eq, if next == b'=' { 2 } else { 1 }),
            b'<' => match next {
                b'=' => (T::Le, 2),
                b'>' => (T::Ne, 2),
                b'<' => (T::Shl, 2),
                _ => (T::Lt, 1),
            },
            b'>' => match next {
                b'=' => (T::Ge, 2),
                b'>' => (T::Shr, 2),
                _ => (T::Gt, 1),
            },
            b'!' => {
                if next == b'=' {
                    (T::Ne, 2)
                } else {
                    (T::Error(LexError::Unrecognized), 1)
                }
            }
            b'|' => {
                if next == b'|' {
                    (T::Concat, 2)
                } else {
                    (T::BitOr, 1)
                }
            }
            b'\'' => self.scan_quoted(i, b'\'', T::String, LexError::UnterminatedString),
            b'"' => self.scan_quoted(i, b'"', T::QuotedIdent, LexError::UnterminatedIdentifier),
            b'`' => self.scan_quoted(i, b'`', T::QuotedIdent, LexError::UnterminatedIdentifier),
            b'[' => match bytes[i + 1..].iter().position(|&b| b == b']') {
                Some(n) => (T::QuotedIdent, n + 2),
                None => (T::Error(LexError::UnterminatedIdentifier), bytes.len() - i),
            },
            b'.' => {
                if next.is_ascii_digit() {
                    self.scan_number(i)
                } else {
                    (T::Dot, 1)
                }
            }
            b'0'..=b'9' => self.scan_number(i),
            b'?' => {
                let mut j = i + 1;
                while self.byte(j).is_ascii_digit() {
                    j += 1;
                }
                if is_id_char(self.byte(j)) {
                    while is_id_char(self.byte(j)) {
                        j += 1;
                    }
                    return (T::Error(LexError::MalformedParameter), j - i);
                }
                (T::Param, j - i)
            }
            b':' | b'@' | b'$' => {
                let mut j = i + 1;
                while is_id_char(self.byte(j)) {
                    j += 1;
                }
                if j == i + 1 {
                    (T::Error(LexError::MalformedParameter), 1)
                } else {
                    (T::Param, j - i)
                }
            }
            b'x' | b'X' if next == b'\'' => {
                let mut j = i + 2;
                while self.byte(j).is_ascii_hexdigit() {
                    j += 1;
                }
                if self.byte(j) == b'\'' && (j - i - 2) % 2 == 0 {
                    return (T::Blob, j + 1 - i);
                }
                // Malformed: swallow up to the closing quote, as SQLite does.
                while j < bytes.len() && bytes[j] != b'\'' {
                    j += 1;
                }
                (
                    T::Error(LexError::MalformedBlob),
                    (j + 1).min(bytes.len()) - i,
                )
            }
            c if is_id_start(c) => {
                let mut j = i + 1;
                while is_id_char(self.byte(j)) {
                    j += 1;
                }
                let word = &self.src[i..j];
                match Keyword::lookup(word) {
                    Some(kw) => (T::Keyword(kw), j - i),
                    None => (T::Ident, j - i),
                }
            }
            _ => {
                // One whole character, so the range stays on char boundaries.
                let len = self.src[i..].chars().next().map_or(1, char::len_utf8);
                (T::Error(LexError::Unrecognized), len)
            }
        }
    }

    /// A quoted token where a doubled quote stands for itself.
    fn scan_quoted(&self, i: usize, q: u8, kind: TokenKind, err: LexError) -> (TokenKind, usize) {
        let bytes = self.src.as_bytes();
        let mut j = i + 1;
        loop {
            match memchr(q, &bytes[j..]) {
                None => return (TokenKind::Error(err), bytes.len() - i),
                Some(n) => {
                    j += n + 1;
                    if bytes.get(j) == Some(&q) {
                        j += 1;
                    } else {
                        return (kind, j - i);
                    }
                }
            }
        }
    }

    fn scan_number(&self, i: usize) -> (TokenKind, usize) {
        let b = |k: usize| self.byte(k);
        let mut j = i;
        let mut kind = TokenKind::Integer;
        if b(i) == b'0' && (b(i + 1) == b'x' || b(i + 1) == b'X') && b(i + 2).is_ascii_hexdigit() {
            j = i + 2;
            while b(j).is_ascii_hexdigit() {
                j += 1;
            }
        } else {
            while b(j).is_ascii_digit() {
                j += 1;
            }
            if b(j) == b'.' {
                kind = TokenKind::Float;
                j += 1;
                while b(j).is_ascii_digit() {
                    j += 1;
                }
            }
            if (b(j) == b'e' || b(j) == b'E')
                && (b(j + 1).is_ascii_digit()
                    || ((b(j + 1) == b'+' || b(j + 1) == b'-') && b(j + 2).is_ascii_digit()))
            {
                kind = TokenKind::Float;
                j += 2;
                while b(j).is_ascii_digit() {
                    j += 1;
                }
            }
        }
        if is_id_char(b(j)) {
            while is_id_char(b(j)) {
                j += 1;
            }
            return (TokenKind::Error(LexError::MalformedNumber), j - i);
        }
        (kind, j - i)
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

// ------------------------------------------------------------ token values

/// The name a bare or quoted identifier token spells: quotes removed and
/// doubled quotes undoubled (`"a""b"` is `a"b`; `[x]` has no escapes).
pub fn ident_value(text: &str) -> alloc::string::String {
    let b = text.as_bytes();
    match b.first() {
        Some(&q @ (b'"' | b'`' | b'\'')) if b.len() >= 2 => unquote(&text[1..text.len() - 1], q),
        Some(b'[') if b.len() >= 2 => text[1..text.len() - 1].into(),
        _ => text.into(),
    }
}

/// The value of a `'string'` token.
pub fn string_value(text: &str) -> alloc::string::String {
    if text.len() >= 2 {
        unquote(&text[1..text.len() - 1], b'\'')
    } else {
        text.into()
    }
}

fn unquote(inner: &str, q: u8) -> alloc::string::String {
    let pair = [q, q];
    // `q` is an ASCII quote, so the pair is valid UTF-8.
    let pair = core::str::from_utf8(&pair).unwrap_or("''");
    if inner.contains(pair) {
        inner.replace(pair, &pair[1..])
    } else {
        inner.into()
    }
}

/// The bytes of an `X'hex'` token (already checked well-formed by the lexer).
pub fn blob_value(text: &str) -> alloc::vec::Vec<u8> {
    let hex = text
        .as_bytes()
        .get(2..text.len().saturating_sub(1))
        .unwrap_or(&[]);
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    hex.chunks_exact(2)
        .map(|p| (digit(p[0]) << 4) | digit(p[1]))
        .collect()
}

/// A number token's value. Decimal integers that do not fit in an i64
/// become reals, as in SQLite; hex is a 64-bit two's-complement pattern
/// (`0xffffffffffffffff` is -1) and more than 16 significant hex digits is
/// an error (returned as None).
pub fn number_value(text: &str, float: bool) -> Option<crate::sql::ast::Literal> {
    use crate::sql::ast::Literal;
    if float {
        return text.parse::<f64>().ok().map(Literal::Real);
    }
    let b = text.as_bytes();
    if b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
        let digits = text[2..].trim_start_matches('0');
        if digits.len() > 16 {
            return None;
        }
        let v = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, 16).ok()?
        };
        return Some(Literal::Integer(v as i64));
    }
    match text.parse::<i64>() {
        Ok(v) => Some(Literal::Integer(v)),
        Err(_) => text.parse::<f64>().ok().map(Literal::Real),
    }
}

// ------------------------------------------------------------ is_complete

/// True when `sql` ends with a `;` that ends a statement, as
/// `sqlite3_complete` decides: the `;` is not inside a string, a quoted
/// identifier or a comment, and in `CREATE TRIGGER ... BEGIN ... END;` only
/// the `;` after END counts. Trailing whitespace and comments after the `;`
/// are fine. Text with nothing but whitespace is not complete.
pub fn is_complete(sql: &str) -> bool {
    // sqlite3_complete's state machine, over its token classes.
    const SEMI: usize = 0;
    const WS: usize = 1;
    const OTHER: usize = 2;
    const EXPLAIN: usize = 3;
    const CREATE: usize = 4;
    const TEMP: usize = 5;
    const TRIGGER: usize = 6;
    const END: usize = 7;
    const TRANS: [[u8; 8]; 8] = [
        // SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END
        [1, 0, 2, 3, 4, 2, 2, 2], // 0 INVALID
        [1, 1, 2, 3, 4, 2, 2, 2], // 1 START
        [1, 2, 2, 2, 2, 2, 2, 2], // 2 NORMAL
        [1, 3, 3, 2, 4, 2, 2, 2], // 3 EXPLAIN
        [1, 4, 2, 2, 2, 4, 5, 2], // 4 CREATE
        [6, 5, 5, 5, 5, 5, 5, 5], // 5 TRIGGER
        [6, 6, 5, 5, 5, 5, 5, 7], // 6 SEMI
        [1, 7, 5, 5, 5, 5, 5, 5], // 7 END
    ];
    let b = sql.as_bytes();
    let mut state = 0usize;
    let mut i = 0;
    while i < b.len() {
        let token;
        match b[i] {
            b';' => {
                token = SEMI;
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                token = WS;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut j = i + 2;
                while j < b.len() && !(b[j] == b'*' && b.get(j + 1) == Some(&b'/')) {
                    j += 1;
                }
                if j >= b.len() {
                    return false;
                }
                i = j + 2;
                token = WS;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                if i >= b.len() {
                    return state == 1;
                }
                token = WS;
            }
            b'[' => {
                match memchr(b']', &b[i + 1..]) {
                    Some(n) => i += n + 2,
                    None => return false,
                }
                token = OTHER;
            }
            q @ (b'`' | b'"' | b'\'') => {
                match memchr(q, &b[i + 1..]) {
                    Some(n) => i += n + 2,
                    None => return false,
                }
                token = OTHER;
            }
            c if is_id_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_id_char(b[j]) {
                    j += 1;
                }
                let word = &sql[i..j];
                token = match Keyword::lookup(word) {
                    Some(Keyword::Create) => CREATE,
                    Some(Keyword::Trigger) => TRIGGER,
                    Some(Keyword::Temp | Keyword::Temporary) => TEMP,
                    Some(Keyword::End) => END,
                    Some(Keyword::Explain) => EXPLAIN,
                    _ => OTHER,
                };
                i = j;
            }
            _ => {
                token = OTHER;
                i += 1;
            }
        }
        state = TRANS[state][token] as usize;
    }
    state == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn kinds(sql: &str) -> Vec<TokenKind> {
        let mut lx = Lexer::new(sql);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token();
            if t.kind == TokenKind::Eof {
                return out;
            }
            out.push(t.kind);
        }
    }

    fn texts(sql: &str) -> Vec<&str> {
        let mut lx = Lexer::new(sql);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token();
            if t.kind == TokenKind::Eof {
                return out;
            }
            out.push(t.text(sql));
        }
    }

    #[test]
    fn operators() {
        use TokenKind as T;
        assert_eq!(
            kinds("|| -> ->> << >> <= >= == = != <> < > & | ~ + - * / % , . ; ( )"),
            [
                T::Concat,
                T::Arrow,
                T::Arrow2,
                T::Shl,
                T::Shr,
                T::Le,
                T::Ge,
                T::Eq,
                T::Eq,
                T::Ne,
                T::Ne,
                T::Lt,
                T::Gt,
                T::BitAnd,
                T::BitOr,
                T::Tilde,
                T::Plus,
                T::Minus,
                T::Star,
                T::Slash,
                T::Percent,
                T::Comma,
                T::Dot,
                T::Semi,
                T::LParen,
                T::RParen
            ]
        );
        assert_eq!(kinds("a-->b\nc"), [T::Ident, T::Ident]);
        assert_eq!(kinds("a- ->b"), [T::Ident, T::Minus, T::Arrow, T::Ident]);
        assert_eq!(kinds("!"), [T::Error(LexError::Unrecognized)]);
    }

    #[test]
    fn every_keyword_is_found_in_any_case() {
        // The binary search needs ALL in byte order of the texts.
        for w in Keyword::ALL.windows(2) {
            assert!(
                w[0].as_str() < w[1].as_str(),
                "{:?} before {:?}",
                w[0],
                w[1]
            );
        }
        for &k in Keyword::ALL {
            let text = k.as_str();
            assert_eq!(Keyword::lookup(text), Some(k));
            assert_eq!(Keyword::lookup(&text.to_ascii_lowercase()), Some(k));
            assert!(text.len() <= MAX_KEYWORD_LEN, "{text}");
        }
        for word in [
            "ABORTS", "ABORTX", "AA", "ZZZ", "CURRENTS", "SELEC", "WITHOUTS",
        ] {
            assert_eq!(Keyword::lookup(word), None, "{word}");
        }
    }

    #[test]
    fn identifiers_and_keywords() {
        use TokenKind as T;
        assert_eq!(
            kinds(r#"select "a""b" [c d] `e``f` _g1$ héllo Key"#),
            [
                T::Keyword(Keyword::Select),
                T::QuotedIdent,
                T::QuotedIdent,
                T::QuotedIdent,
                T::Ident,
                T::Ident,
                T::Keyword(Keyword::Key)
            ]
        );
        assert_eq!(ident_value(r#""a""b""#), r#"a"b"#);
        assert_eq!(ident_value("[c d]"), "c d");
        assert_eq!(ident_value("`e``f`"), "e`f");
        assert_eq!(ident_value("plain"), "plain");
        assert_eq!(
            Keyword::lookup("current_timestamp"),
            Some(Keyword::CurrentTimestamp)
        );
        assert_eq!(Keyword::lookup("current_timestampx"), None);
        assert_eq!(Keyword::lookup("sElEcT"), Some(Keyword::Select));
        assert_eq!(Keyword::lookup("x"), None);
        assert_eq!(
            kinds(r#""open"#),
            [T::Error(LexError::UnterminatedIdentifier)]
        );
        assert_eq!(kinds("[open"), [T::Error(LexError::UnterminatedIdentifier)]);
    }

    #[test]
    fn strings_and_blobs() {
        use TokenKind as T;
        assert_eq!(kinds("'it''s' x'0A1b' X''"), [T::String, T::Blob, T::Blob]);
        assert_eq!(string_value("'it''s'"), "it's");
        assert_eq!(string_value("''"), "");
        assert_eq!(blob_value("x'0A1b'"), [0x0a, 0x1b]);
        assert_eq!(blob_value("X''"), [0u8; 0]);
        assert_eq!(kinds("x'0A1'"), [T::Error(LexError::MalformedBlob)]);
        assert_eq!(
            kinds("x'0G' 1"),
            [T::Error(LexError::MalformedBlob), T::Integer]
        );
        assert_eq!(kinds("'abc"), [T::Error(LexError::UnterminatedString)]);
        // `x` not followed by a quote is an identifier.
        assert_eq!(kinds("x 'a'"), [T::Ident, T::String]);
    }

    #[test]
    fn numbers() {
        use crate::sql::ast::Literal as L;
        use TokenKind as T;
        assert_eq!(
            kinds("1 1.5 .5 1e10 1.e5 1E+3 2e-2 0x1F 0XaB"),
            [
                T::Integer,
                T::Float,
                T::Float,
                T::Float,
                T::Float,
                T::Float,
                T::Float,
                T::Integer,
                T::Integer
            ]
        );
        assert_eq!(texts("1.e5+2"), ["1.e5", "+", "2"]);
        for bad in ["12abc", "1e", "0x", "1.5x", "0xfg"] {
            assert_eq!(kinds(bad), [T::Error(LexError::MalformedNumber)], "{bad}");
        }
        assert_eq!(number_value("42", false), Some(L::Integer(42)));
        assert_eq!(
            number_value("9223372036854775807", false),
            Some(L::Integer(i64::MAX))
        );
        assert_eq!(
            number_value("9223372036854775808", false),
            Some(L::Real(9223372036854775808.0))
        );
        assert_eq!(number_value("0x10", false), Some(L::Integer(16)));
        assert_eq!(
            number_value("0xffffffffffffffff", false),
            Some(L::Integer(-1))
        );
        assert_eq!(
            number_value("0x0000000000000000001", false),
            Some(L::Integer(1))
        );
        assert_eq!(number_value("0x10000000000000000", false), None);
        assert_eq!(number_value("1.e5", true), Some(L::Real(1e5)));
        assert_eq!(number_value(".5", true), Some(L::Real(0.5)));
        assert_eq!(number_value("1e999", true), Some(L::Real(f64::INFINITY)));
    }

    #[test]
    fn parameters() {
        use TokenKind as T;
        assert_eq!(texts("? ?12 :a @b_1 $c"), ["?", "?12", ":a", "@b_1", "$c"]);
        assert_eq!(kinds("?1a"), [T::Error(LexError::MalformedParameter)]);
        assert_eq!(
            kinds(": a"),
            [T::Error(LexError::MalformedParameter), T::Ident]
        );
    }

    #[test]
    fn positions() {
        let sql = "SELECT\n  é, -- comment\n  /* x\n */ b";
        let mut lx = Lexer::new(sql);
        let toks: Vec<Token> = core::iter::from_fn(|| Some(lx.next_token()))
            .take_while(|t| t.kind != TokenKind::Eof)
            .collect();
        let at: Vec<(u32, u32)> = toks.iter().map(|t| (t.pos.line, t.pos.col)).collect();
        assert_eq!(at, [(1, 1), (2, 3), (2, 4), (4, 5)]);
        assert_eq!(toks[1].text(sql), "é");
        assert_eq!(&sql[toks[3].start..toks[3].end], "b");
        let eof = lx.next_token();
        assert_eq!(eof.kind, TokenKind::Eof);
        assert_eq!(eof.start, sql.len());
    }

    #[test]
    fn comments() {
        use TokenKind as T;
        assert_eq!(kinds("a /* unterminated"), [T::Ident]);
        assert_eq!(kinds("a -- to the end"), [T::Ident]);
        assert_eq!(kinds("a/**/b"), [T::Ident, T::Ident]);
    }

    #[test]
    fn complete() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1; "));
        assert!(is_complete("SELECT 1; -- done"));
        assert!(is_complete("SELECT 1; /* done */"));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete(""));
        assert!(!is_complete("   "));
        assert!(is_complete(";"));
        assert!(!is_complete("SELECT ';"));
        assert!(is_complete("SELECT ';';"));
        assert!(!is_complete("SELECT \"a;"));
        assert!(!is_complete("SELECT [a;"));
        assert!(!is_complete("SELECT 1 /* ; "));
        assert!(!is_complete("SELECT 1 -- ;"));
        assert!(!is_complete(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"
        ));
        assert!(!is_complete(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END"
        ));
        assert!(is_complete(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"
        ));
        assert!(is_complete(
            "create temp trigger t after insert on x begin select 1; select 2; end ;"
        ));
        assert!(!is_complete(
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN 2 END; "
        ));
        assert!(is_complete(
            "EXPLAIN CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"
        ));
        // A table named trigger is not a trigger.
        assert!(is_complete("CREATE TABLE trigger(a);"));
        assert!(is_complete("SELECT 1; SELECT 2;"));
        assert!(!is_complete("SELECT 1; SELECT 2"));
    }
}
