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
    /// Three letters, but no currency has that ISO 4217 code.
    #[error("is not an ISO 4217 currency code (e.g. USD, EUR, GBP)")]
    UnknownCurrency,
    /// Not a whole hour of the day.
    #[error("must be a whole hour from 0 to 23")]
    NotAnHour,
    /// Not a JSON array.
    #[error("must be a list")]
    NotAList,
    /// An array with something other than strings in it.
    #[error("must be a list of strings")]
    NotAListOfStrings,
    /// An empty array where at least one entry is needed.
    #[error("must name at least one")]
    EmptyList,
    /// An entry that is empty or only white space.
    #[error("must not contain empty entries")]
    EmptyItem,
    /// An entry longer than allowed, in characters.
    #[error("entries must be at most {0} characters")]
    ItemTooLong(usize),
    /// An entry with nothing that could match a word.
    #[error("entries must contain a letter or digit")]
    NoLettersOrDigits,
    /// More entries than allowed.
    #[error("must have at most {0} entries")]
    TooManyItems(usize),
    /// Not something eBay accepts as a user name.
    #[error("must be eBay user names (letters, digits, . _ - *; at most 64 characters)")]
    NotAUserName,
    /// Not a percentage from 0 to 100.
    #[error("must be a number from 0 to 100 with at most one decimal, e.g. 98.5")]
    NotAPercentage,
    /// Not a whole number of hours from 1 to 72.
    #[error("must be a whole number of hours from 1 to 72")]
    NotHoursWithin,
    /// Not an ISO 3166 alpha-2 country code.
    #[error("must be a two-letter ISO 3166 country code such as US, GB or DE")]
    NotACountry,
    /// Not shaped like a postal code of the country (an example follows).
    #[error("is not a postal code of that country (e.g. {0})")]
    NotAPostalCode(&'static str),
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
