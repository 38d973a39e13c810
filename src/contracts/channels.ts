import Type from 'typebox';

/** The channels a source can represent; recorded on every event from that source. */
export const channels = [
  'web',
  'ios',
  'android',
  'server',
  'email',
  'sms',
  'push',
  'pos',
  'call_center',
  'chat',
  'crm',
  'import',
  'other',
] as const;

export const Channel = Type.Enum(channels, { description: `One of: ${channels.join(', ')}` });
export type Channel = (typeof channels)[number];

export const isChannel = (value: unknown): value is Channel =>
  typeof value === 'string' && (channels as readonly string[]).includes(value);
