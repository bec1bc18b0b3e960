// What GET / answers; edit it during a dev session and the next response changes.
export const message = "This is a silly demo";
