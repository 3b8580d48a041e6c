// The JWS `typ` of every device assertion: it keeps a JWT minted for another purpose from being
// accepted as a device's word.
export const ASSERTION_TYP = 'scanin+jwt';
