import { RecordedRequest, RequestLog } from './request-log';

function entry(id: number): RecordedRequest {
  return {
    id,
    method: 'POST',
    path: '/completion',
    body: null,
    headers: { 'content-type': null, authorization: false, 'x-request-id': null },
    received_at: new Date(0).toISOString(),
    outcome: 'ok',
  };
}

describe('RequestLog', () => {
  it('keeps the last entries up to its capacity, oldest first', () => {
    const log = new RequestLog(3);
    for (let id = 1; id <= 5; id++) log.add(entry(id));
    expect(log.list().map((request) => request.id)).toEqual([3, 4, 5]);
    log.add(entry(6));
    expect(log.list().map((request) => request.id)).toEqual([4, 5, 6]);
  });

  it('starts over after clear', () => {
    const log = new RequestLog(2);
    for (let id = 1; id <= 3; id++) log.add(entry(id));
    log.clear();
    log.add(entry(4));
    expect(log.list().map((request) => request.id)).toEqual([4]);
  });
});
