/// Token symbol, as advertised in the chain spec's properties and the metadata hash.
pub const TOKEN_SYMBOL: &str = "XMBL";
/// Token decimals, as advertised in the chain spec's properties and the metadata hash.
pub const TOKEN_DECIMALS: u8 = 12;
