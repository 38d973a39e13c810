/**
 * What a template can name, and the values behind each name for one message:
 *   traits.<name>       golden and computed traits of the profile
 *   profile.id | email | phone
 *   event.name, event.properties.<name>   the event that brought the person into the journey
 *   journey.id | name | step | variant
 *   message.id | channel
 *   unsubscribe_url
 */
export interface TemplateScope {
  readonly traits: Readonly<Record<string, unknown>>;
  readonly profile: { readonly id: string | null; readonly email: string | null; readonly phone: string | null };
  readonly event: { readonly name: string | null; readonly properties: Readonly<Record<string, unknown>> };
  readonly journey: { readonly id: string | null; readonly name: string | null; readonly step: string | null; readonly variant: string | null };
  readonly message: { readonly id: string | null; readonly channel: string };
  readonly unsubscribe_url: string;
}

/** The fixed fields of each root; `traits` and `event.properties` are open and checked otherwise. */
export const scopeFields: Readonly<Record<string, readonly string[]>> = {
  profile: ['id', 'email', 'phone'],
  event: ['name', 'properties'],
  journey: ['id', 'name', 'step', 'variant'],
  message: ['id', 'channel'],
  unsubscribe_url: [],
  traits: [],
};

/** Traits the Segment spec reserves, in camelCase and snake_case: any profile may carry them without configuration. */
export const reservedTraits: readonly string[] = [
  'address', 'age', 'avatar', 'birthday', 'company', 'createdAt', 'created_at', 'description', 'email', 'firstName', 'first_name',
  'gender', 'id', 'lastName', 'last_name', 'name', 'phone', 'title', 'username', 'website', 'city', 'country', 'locale', 'timezone',
];
