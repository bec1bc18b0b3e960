/**
 * The developers' namespaces and staging: created with setup's labels when
 * missing, never relabelled when someone else's are there, and on destroy
 * the labelled ones (and only those) deleted with what is in them.
 */
import type { SetupAction } from "../action.ts";
import { type SetupContext, STAGING } from "../context.ts";
import { SETUP_LABELS, SETUP_SELECTOR } from "../labels.ts";
import { madeBySetup, removedDetail, removeOurs } from "../ownership.ts";

/** The namespaces setup makes: each developer's, then staging. */
export function setupNamespaces(users: string[]): string[] {
  return [...users.filter((user) => user !== STAGING), STAGING];
}

/** The namespaces action. */
export function namespacesAction(context: SetupContext): SetupAction {
  const names = setupNamespaces(context.users);
  return {
    name: "namespaces",
    install: {
      plan: () => ({ detail: `create namespaces ${names.join(", ")} (those missing)` }),
      run: async () => {
        const kube = await context.kube();
        const created: string[] = [];
        const foreign: string[] = [];
        for (const name of names) {
          const existing = await kube.get({ apiVersion: "v1", kind: "Namespace", name });
          if (!existing) {
            await kube.create({
              apiVersion: "v1",
              kind: "Namespace",
              metadata: { name, labels: SETUP_LABELS },
            });
            created.push(name);
          } else if (!madeBySetup(existing)) {
            // Not labelled as ours: destroy must never delete what setup did not create.
            foreign.push(name);
          }
        }
        const parts = [
          created.length ? `created ${created.join(", ")}` : `${names.join(", ")} exist`,
          foreign.length ? `kept as they were (not made by setup): ${foreign.join(", ")}` : "",
        ].filter(Boolean);
        return { changed: created.length > 0, detail: parts.join("; ") };
      },
    },
    remove: {
      plan: () => ({
        detail: `delete the namespaces setup created (${SETUP_SELECTOR}), with what is in them`,
      }),
      run: async () => {
        const kube = await context.kube();
        const { items } = await kube.list("v1", "Namespace", { labelSelector: SETUP_SELECTOR });
        const { deleted, kept } = await removeOurs(
          kube,
          items.map((item) => ({ apiVersion: "v1", kind: "Namespace", name: item.metadata.name! })),
          context.reporter,
        );
        return { changed: deleted.length > 0, detail: removedDetail(deleted, kept) };
      },
    },
  };
}
