/**
 * Tax on bookings, behind a port: locally (and until Stripe Tax is wired) a per-city rate table;
 * a Stripe Tax adapter implements the same interface. Rates are parts per million of the subtotal.
 */
export interface TaxRates {
  /** The rate for a leg of `kind` in `cityCode`, in parts per million (8.875 % = 88 750). */
  ratePpm(cityCode: string | null, kind: 'service' | 'studio'): number;
}

/**
 * Combined sales-tax rates of the launch cities (state + local, 2025 published rates) on taxable
 * services and space rental. A city not listed is charged no tax and logged by the caller's audit.
 */
export const CITY_TAX_RATES_PPM: Readonly<Record<string, number>> = {
  'us-nyc': 88_750,
  'us-lax': 95_000,
  'us-mia': 70_000,
  'us-hou': 82_500,
  'us-chi': 102_500,
};

export class CityRateTable implements TaxRates {
  constructor(private readonly rates: Readonly<Record<string, number>> = CITY_TAX_RATES_PPM) {}

  ratePpm(cityCode: string | null): number {
    return cityCode ? (this.rates[cityCode] ?? 0) : 0;
  }
}
