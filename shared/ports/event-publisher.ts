/** CloudEvents 1.0, JSON structured mode. `data` never holds a secret value. */
export interface RotorEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export interface EventPublisher {
  publish(event: RotorEvent): Promise<void>;
}
