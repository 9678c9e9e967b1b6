/**
 * The largest value of a PostgreSQL `integer` column: message seqs and the
 * read and delivery cursors. Integer inputs compared with them are bounded by
 * it, so a larger number is refused by validation rather than by the driver.
 */
export const PG_INT_MAX = 2_147_483_647;
