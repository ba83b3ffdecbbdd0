/**
 * Money in several currencies is never summed. A row's currency is its `currency` column (deals and
 * spend), else the symbol or ISO 4217 code written on its amount, if any; a run counts money in one
 * currency: the config's `currency`, else the first one a row states. A row in another currency is
 * rejected naming both; an amount that states none is taken to be in the run's currency.
 */
import { showValue } from '../core/errors.js';

/** Every ISO 4217 code this Node knows (≈ 160). */
const ISO_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Whether `code` (upper case) is an ISO 4217 currency code. */
export const isCurrencyCode = (code: string): boolean => ISO_CODES.has(code);

/** Symbols that name one currency. `¥` is read as JPY; a bare `$` is resolved by the run (RunCurrency.bareDollar). */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = {
  '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR', 'R$': 'BRL', 'US$': 'USD', 'C$': 'CAD', 'A$': 'AUD',
  '₩': 'KRW', '₽': 'RUB', '₺': 'TRY', '₪': 'ILS', '₫': 'VND', '₱': 'PHP', '฿': 'THB', '₴': 'UAH', '₦': 'NGN',
};

/** Currencies written with a bare `$` at home: a bare `$` is the config's currency when it is one of these, else USD. */
export const DOLLAR_SIGN_CURRENCIES: ReadonlySet<string> = new Set([
  'USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD', 'TWD', 'BSD', 'BBD', 'BZD', 'BMD', 'BND', 'KYD', 'XCD', 'FJD', 'GYD', 'JMD',
  'LRD', 'NAD', 'SBD', 'SRD', 'TTD', 'MXN', 'ARS', 'CLP', 'COP', 'CUP', 'DOP', 'UYU',
]);

/** A bare `$` on an amount: its currency depends on the run (see RunCurrency.bareDollar). */
export const BARE_DOLLAR = '$';

/**
 * An amount that states its currency (a code, or BARE_DOLLAR), as the amount reader gives it; an
 * amount that states none is a plain number. `raw`: the value as written, for messages.
 */
export class Money {
  constructor(readonly value: number, readonly currency: string, readonly raw: string) {}
}

/** The currency named by a symbol or code written on an amount or in a currency column: an ISO code, BARE_DOLLAR, or undefined. */
export function currencyOf(token: string): string | undefined {
  const symbol = CURRENCY_SYMBOLS[token];
  if (symbol !== undefined) return symbol;
  if (token === BARE_DOLLAR) return BARE_DOLLAR;
  const code = token.toUpperCase();
  return isCurrencyCode(code) ? code : undefined;
}

/** What a currency must be, for messages. */
export const EXPECTED_CURRENCY = 'expected an ISO 4217 code such as USD or EUR, or one of € £ ¥ ₹ $ R$ US$ C$ A$';

/** The run's currency: set by the config, or by the first row that states one; shared by every input of a run. */
export class RunCurrency {
  /** The run's currency, once known. */
  code: string | undefined;
  /** The currency a bare `$` stands for. */
  readonly bareDollar: string;
  /** Every currency a row stated (the run's and others), for comparing a parallel read's ranges. */
  readonly met = new Set<string>();
  private readonly fromConfig: boolean;

  /** `stated`: the currency the inputs read before this reader's (in another thread) stated first, when the config sets none. */
  constructor(configured?: string, stated?: string) {
    this.code = configured ?? stated;
    this.fromConfig = configured !== undefined;
    this.bareDollar = configured !== undefined && DOLLAR_SIGN_CURRENCIES.has(configured) ? configured : 'USD';
  }

  /** A stated currency (a code or BARE_DOLLAR) as a code: `$` is the row's currency column when that is a dollar currency, else bareDollar. */
  resolve(stated: string, column?: string): string {
    if (stated !== BARE_DOLLAR) return stated;
    return column !== undefined && DOLLAR_SIGN_CURRENCIES.has(column) ? column : this.bareDollar;
  }

  /** Undefined when a row in `code` (written `raw`) may be counted (the first one stated sets the run's); else why not. */
  check(code: string, raw: string): string | undefined {
    this.met.add(code);
    if (this.code === undefined) { this.code = code; return undefined; }
    if (code === this.code) return undefined;
    const why = this.fromConfig ? 'the config\'s "currency"' : 'the first currency stated in the input; set "currency" in the config to choose';
    return `${showValue(raw)} is in ${code}, but this run counts money in ${this.code} (${why}); amounts in two currencies are never added up`;
  }
}

/**
 * A row's money value, settled: the number, or the column and reason that reject the row. The
 * currency column (a code) wins over what the amount states; the two must agree.
 */
export function settleMoney(
  amount: number | Money | undefined, column: string | undefined, run: RunCurrency, amountColumn: string,
): number | undefined | { path: string; message: string } {
  let stated: string | undefined;
  let value: number | undefined;
  if (amount instanceof Money) {
    value = amount.value;
    stated = run.resolve(amount.currency, column);
    if (column !== undefined && stated !== column) {
      return { path: amountColumn, message: `${showValue(amount.raw)} is in ${stated}, but the row's currency column says ${column}` };
    }
  } else value = amount;
  const currency = column ?? stated;
  if (currency === undefined) return value;
  const rejected = run.check(currency, column ?? (amount as Money).raw);
  return rejected === undefined ? value : { path: column !== undefined ? 'currency' : amountColumn, message: rejected };
}
