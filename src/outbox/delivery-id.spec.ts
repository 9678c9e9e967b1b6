import { deliveryId } from './delivery-id';

describe('deliveryId', () => {
  const room = '0b6f7f0e-2f5c-4a3e-9a53-3f1d2c4b5a69';

  it('should be the same for the same target and event (a batch read twice keeps one delivery)', () => {
    expect(deliveryId('webhook:a', room, 7)).toBe(deliveryId('webhook:a', room, 7));
  });

  it('should differ by target, room and eventSeq', () => {
    const ids = new Set([
      deliveryId('webhook:a', room, 7),
      deliveryId('webhook:b', room, 7),
      deliveryId('webhook:a', room.replace('0b', '0c'), 7),
      deliveryId('webhook:a', room, 8),
      deliveryId('webhook:a', room, 78),
    ]);
    expect(ids.size).toBe(5);
  });

  it('should be a UUID (the column is one)', () => {
    expect(deliveryId('offline', room, 1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
