import type { ComponentChildren } from 'preact';

/** A titled section of the page, with the last error of its data source, if any. */
export function Panel(props: {
  id: string;
  title: string;
  error?: string;
  aside?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="panel" id={props.id} aria-labelledby={`${props.id}-title`}>
      <header>
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.aside}
      </header>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.children}
    </section>
  );
}

/** A word in a coloured pill: states, severities, statuses. */
export function Badge(props: { kind: string; children: ComponentChildren }) {
  return <span class={`badge ${props.kind.toLowerCase()}`}>{props.children}</span>;
}
