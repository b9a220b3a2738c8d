import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { files } from '../db/schema/index.js';
import type { NewStoredFile, StoredFile } from '../domain/stored-file.js';

/**
 * Files kept in the database (avatar pictures). Every query takes the owner: a picture is read
 * through an avatar the caller may see, and belongs to that avatar's owner.
 * @example const files = createFileRepository(storage.db);
 */
export function createFileRepository(db: Database) {
  return {
    /** Stores a file and answers its id (not the bytes back: they can be megabytes). */
    async create(file: NewStoredFile): Promise<Pick<StoredFile, 'id'>> {
      const [row] = await db.insert(files).values(file).returning({ id: files.id });
      return row!;
    },

    async findForOwner(ownerId: string, id: string): Promise<StoredFile | undefined> {
      const [row] = await db
        .select()
        .from(files)
        .where(and(eq(files.ownerId, ownerId), eq(files.id, id)));
      return row;
    },

    /** True when a file of this owner was deleted. */
    async deleteForOwner(ownerId: string, id: string): Promise<boolean> {
      const deleted = await db
        .delete(files)
        .where(and(eq(files.ownerId, ownerId), eq(files.id, id)))
        .returning({ id: files.id });
      return deleted.length > 0;
    },
  };
}

export type FileRepository = ReturnType<typeof createFileRepository>;
