/**
 * A broken rule: which input field, which rule, and a sentence for people.
 * Validators return lists of these (empty = valid) and never throw, so an
 * action can report every problem at once, before anything is written.
 */
export interface Issue {
  field: string;
  rule: string;
  message: string;
}
