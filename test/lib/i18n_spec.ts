import assert from 'node:assert/strict';
import { compactCount, interpolate, translator } from '../../nodes/lib/i18n';

describe('nodes/lib/i18n: node texts', function () {
  const catalog = { x: { errors: { missing: 'field "__field__" is missing' } } };

  it('uses the runtime translation when there is one', function () {
    const t = translator((key) => (key === 'x.errors.missing' ? 'le champ manque' : key), catalog);
    assert.equal(t('x.errors.missing', { field: 'devEui' }), 'le champ manque');
  });

  it('falls back to the en-US catalog when the runtime returns the key (test helper)', function () {
    const t = translator((key) => key, catalog);
    assert.equal(t('x.errors.missing', { field: 'devEui' }), 'field "devEui" is missing');
    assert.equal(t('x.errors.unknown'), 'x.errors.unknown');
  });

  it('leaves unknown placeholders alone and keeps status counts short', function () {
    assert.equal(interpolate('__a__ and __b__', { a: 1 }), '1 and __b__');
    assert.deepEqual([0, 999, 1234, 12345, 2500000].map(compactCount), ['0', '999', '1.2k', '12k', '2.5M']);
    // A rate per second is a fraction: shown whole, never « 123.45678 ».
    assert.deepEqual([0.4, 123.45678, 999.4, 999.6].map(compactCount), ['0', '123', '999', '1.0k']);
  });
});
