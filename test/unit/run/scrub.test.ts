/**
 * What the runs table keeps of an event after its run: no `pii` or `secret`
 * value, wherever it appears, even where the model was allowed to see it.
 */
import { scrubbedEvent } from '../../../core/runs/scrub.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';
import { loadReferencePack } from '../../support/packs.js';

const { pack } = await loadReferencePack();

describe('a stored event once its run ended', () => {
  it('keeps internal and public fields, and no email or phone, also where the text quotes them', () => {
    const event = aRefundRequestedEvent({
      customerEmail: 'jordan.lee@example.com',
      customerPhone: '+14155550142',
      reason: 'Please refund to jordan.lee@example.com, call +1 415 555 0142.',
    });
    const detail = event.detail as Record<string, unknown>;
    const scrubbed = scrubbedEvent(pack.spec, event) as typeof event;
    expect(scrubbed.detail).toMatchObject({
      orderId: detail.orderId,
      amount: detail.amount,
      customerEmail: '[REDACTED:pii]',
      customerPhone: '[REDACTED:pii]',
    });
    expect(JSON.stringify(scrubbed)).not.toMatch(/jordan\.lee|555.?0142/);
    expect(scrubbed.id).toBe(event.id);
  });

  it('scrubs even a class the model may see, when it is personal data', () => {
    const spec = {
      ...pack.spec,
      data: { ...pack.spec.data, modelMaySee: [...pack.spec.data.modelMaySee, 'pii' as const] },
    };
    const event = aRefundRequestedEvent({ customerEmail: 'sam@example.com' });
    expect(JSON.stringify(scrubbedEvent(spec, event))).not.toContain('sam@example.com');
  });

  it('returns what is not an event with a detail object as it is', () => {
    expect(scrubbedEvent(pack.spec, null)).toBeNull();
    expect(scrubbedEvent(pack.spec, { id: 'x' })).toEqual({ id: 'x' });
  });
});
