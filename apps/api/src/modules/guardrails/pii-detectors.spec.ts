import { findPii, maskPii, passesLuhn, PiiKind } from './pii-detectors';

const found = (text: string, kinds: PiiKind[]) =>
  findPii(text, kinds).map((match) => text.slice(match.start, match.end));

describe('PII detectors', () => {
  describe('email', () => {
    it.each([
      ['write to mia@example.com today', 'mia@example.com'],
      ['<first.last+tag@mail.example.co.uk>', 'first.last+tag@mail.example.co.uk'],
      ['MIA_99@Example.ORG.', 'MIA_99@Example.ORG'],
    ])('finds the address in %j', (text, address) => {
      expect(found(text, ['email'])).toEqual([address]);
    });

    it.each(['user at example dot com', 'a@b', 'twitter @mia', 'version@1.2', 'x@example.c0m'])(
      'finds nothing in %j',
      (text) => {
        expect(found(text, ['email'])).toEqual([]);
      },
    );
  });

  describe('phone', () => {
    it.each([
      ['call +49 151 1234 5678 now', '+49 151 1234 5678'],
      ['call +1 (555) 123-4567', '+1 (555) 123-4567'],
      ['+442079460958', '+442079460958'],
      ['0044 20 7946 0958', '0044 20 7946 0958'],
      ['(555) 123-4567', '(555) 123-4567'],
      ['555-123-4567', '555-123-4567'],
      ['1 555.123.4567', '1 555.123.4567'],
      ['ring 555-1234.', '555-1234'],
      ['030 1234567', '030 1234567'],
      ['0151-12345678', '0151-12345678'],
      ['020 7946 0958', '020 7946 0958'],
      ['06 12 34 56 78', '06 12 34 56 78'],
    ])('finds the number in %j', (text, number) => {
      expect(found(text, ['phone'])).toEqual([number]);
    });

    it.each([
      'in 2019 and 2020',
      'from 1999-2001',
      'call 911',
      'pin 12345',
      'order 123456789',
      'on 2024-01-15',
      'on 01.02.2024 12:30',
      'at 01/02/2024 12 sharp',
      'pi is 3.14159265',
      'ip 192.168.100.200',
      '+12 345',
    ])('finds nothing in %j', (text) => {
      expect(found(text, ['phone'])).toEqual([]);
    });
  });

  describe('credit_card', () => {
    it.each([
      ['card 4111 1111 1111 1111 exp 12/25', '4111 1111 1111 1111'],
      ['4111-1111-1111-1111', '4111-1111-1111-1111'],
      ['4111111111111111', '4111111111111111'],
      ['amex 3782 822463 10005', '3782 822463 10005'],
      ['5555555555554444.', '5555555555554444'],
      ['visa13 4222222222222', '4222222222222'],
    ])('finds the number in %j', (text, number) => {
      expect(found(text, ['credit_card'])).toEqual([number]);
    });

    it.each([
      '4111 1111 1111 1112',
      '1234567890123456',
      '0000 0000 0000 0000',
      '41111111111111111111111',
      '4111 1111-1111 1111',
      '411111111111',
    ])('finds nothing in %j (bad Luhn, length or separators)', (text) => {
      expect(found(text, ['credit_card'])).toEqual([]);
    });

    it('checks Luhn', () => {
      expect(passesLuhn('79927398713')).toBe(false); // valid Luhn, but only 11 digits
      expect(passesLuhn('4111111111111111')).toBe(true);
      expect(passesLuhn('4111111111111112')).toBe(false);
      expect(passesLuhn('0000000000000')).toBe(false);
    });
  });

  describe('ip', () => {
    it.each([
      ['from 192.168.1.10 today', '192.168.1.10'],
      ['0.0.0.0', '0.0.0.0'],
      ['255.255.255.255.', '255.255.255.255'],
      ['host fe80::1 up', 'fe80::1'],
      ['2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::8a2e:370:7334'],
      ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:0db8:0000:0000:0000:ff00:0042:8329'],
      ['::1', '::1'],
      ['mapped ::ffff:192.0.2.1 here', '::ffff:192.0.2.1'],
    ])('finds the address in %j', (text, address) => {
      expect(found(text, ['ip'])).toEqual([address]);
    });

    it.each([
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      'v01.02.03.04',
      'at 12:30:45',
      'a::b::c',
      'std::vector',
      'the ratio 3:2:1',
      '::',
    ])('finds nothing in %j', (text) => {
      expect(found(text, ['ip'])).toEqual([]);
    });
  });

  it('only looks for the kinds asked for, in text order, without overlaps', () => {
    const text = 'mail a@b.io, call +49 151 1234 5678, card 4111111111111111, host 10.0.0.1';
    expect(findPii(text, ['ip', 'email']).map((match) => match.kind)).toEqual(['email', 'ip']);
    expect(findPii(text, ['email', 'phone', 'credit_card', 'ip']).map((m) => m.kind)).toEqual([
      'email',
      'phone',
      'credit_card',
      'ip',
    ]);
  });

  it('starts at `from`, using the text before only as context', () => {
    const text = 'x@example.com and y@example.com';
    expect(findPii(text, ['email'], 1).map((match) => match.start)).toEqual([18]);
  });

  it('masks every kind with its label', () => {
    expect(maskPii('mail mia@example.com or +49 151 1234 5678 from 10.0.0.1')).toBe(
      'mail [email] or [phone] from [ip]',
    );
  });
});
