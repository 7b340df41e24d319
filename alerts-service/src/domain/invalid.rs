//! [`Invalid`]: why user input is not a valid domain value. Typed, so code can match on the
//! reason; its `Display` is the sentence the API shows beside the field's name (DESIGN §6).

/// Why a value does not parse. The messages complete a sentence that starts with the field's
/// name ("search_phrase must not be empty").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// Nothing but white space.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed, in characters.
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// A line break or another control character.
    #[error("must not contain control characters such as line breaks")]
    ControlCharacters,
    /// Not one of a fixed set of choices (listed in the message).
    #[error("must be one of {0}")]
    NotOneOf(&'static str),
    /// Not a plain decimal number.
    #[error("must be a decimal string like \"12.50\"")]
    NotADecimal,
    /// Below zero.
    #[error("must not be negative")]
    Negative,
    /// More than two decimal places (cents).
    #[error("must have at most two decimal places")]
    TooManyDecimals,
    /// A billion or more.
    #[error("must be below 1000000000")]
    TooLarge,
    /// Not three ASCII letters.
    #[error("must be a three-letter ISO 4217 code such as USD")]
    NotACurrencyCode,
    /// Not `local@domain` with plain characters.
    #[error("must be a plain address like name@example.com")]
    NotAPlainAddress,
    /// No `@` at all.
    #[error("must contain an @")]
    MissingAt,
    /// The part after `@` is not a domain like `example.com`.
    #[error("must have a domain like example.com")]
    NotADomain,
}
